//! getrandom: the kernel's CSPRNG (seeded from RDRAND and the host) is ready from boot, so
//! GRND_NONBLOCK never fails and GRND_RANDOM draws from the same pool, as on Linux 5.6+.

use osprey_abi::Errno;

use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const GRND_NONBLOCK: u32 = 0x1;
const GRND_RANDOM: u32 = 0x2;
const GRND_INSECURE: u32 = 0x4;

pub fn sys_getrandom(cx: &Ctx, buf: UserPtr<u8>, len: usize, flags: u32) -> SysResult {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    // Linux caps one call at 32 MiB - 1.
    let len = len.min((32 << 20) - 1);
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(chunk.len());
        cx.m.random(&mut chunk[..n]);
        cx.m.copy_to_user(buf.addr() + done as u64, &chunk[..n])?;
        done += n;
    }
    Ok(len)
}
