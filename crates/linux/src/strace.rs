//! `--strace`: one line per system call in strace's own format, e.g.
//! `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3` or
//! `stat("/nope", 0x7ffc...) = -1 ENOENT (No such file or directory)`.
//! Arguments are decoded from the table's [`ArgFmt`]s after the call (so output buffers show
//! what the kernel wrote); calls that do not return print before running, with `= ?`.
//! The value renderers are osprey-abi's (`osprey_abi::strace`).

use alloc::string::String;
use core::fmt::{self, Write};

use osprey_abi::strace as s;
use osprey_abi::sysno::*;

use crate::syscall::{syscall_args, ArgFmt, Ctx};
use crate::uaccess::read_cstr;

/// Calls after which the kernel does not come back to print.
pub fn no_return(nr: usize) -> bool {
    nr == SYS_EXIT || nr == SYS_EXIT_GROUP
}

fn ret_style(nr: usize) -> s::RetStyle {
    match nr {
        SYS_MMAP | SYS_BRK | SYS_MREMAP => s::RetStyle::Hex,
        SYS_UMASK => s::RetStyle::Octal,
        _ => s::RetStyle::Decimal,
    }
}

/// Bytes of a user buffer worth showing (strace shows 32).
fn user_bytes(cx: &Ctx, addr: u64, len: usize) -> Option<alloc::vec::Vec<u8>> {
    let mut v = alloc::vec![0u8; len.min(s::STRING_LIMIT)];
    cx.m.copy_from_user(addr, &mut v).ok()?;
    Some(v)
}

fn buffer(out: &mut String, cx: &Ctx, addr: u64, len: usize) -> fmt::Result {
    match user_bytes(cx, addr, len) {
        Some(b) => s::quoted(out, &b, len),
        None => s::pointer(out, addr),
    }
}

fn arg(
    out: &mut String,
    cx: &Ctx,
    fmt: ArgFmt,
    a: &[u64; 6],
    v: u64,
    ret: Option<isize>,
) -> fmt::Result {
    match fmt {
        ArgFmt::Int | ArgFmt::Fd => write!(out, "{}", v as i32),
        ArgFmt::UInt => write!(out, "{v}"),
        ArgFmt::Ptr | ArgFmt::StrArray => s::pointer(out, v),
        ArgFmt::DirFd => s::dirfd(out, v as i32),
        ArgFmt::Path => match read_cstr(cx.m, v, 4096) {
            Ok(p) => s::quoted(out, &p, p.len()),
            Err(_) => s::pointer(out, v),
        },
        ArgFmt::InBuf(i) => buffer(out, cx, v, a[i as usize] as usize),
        ArgFmt::OutBuf => match ret {
            Some(r) if r >= 0 => buffer(out, cx, v, r as usize),
            _ => s::pointer(out, v),
        },
        ArgFmt::Octal => s::mode_octal(out, v as u32),
        ArgFmt::OpenFlags => s::open_flags(out, v as u32),
        ArgFmt::AtFlags => s::at_flags(out, v as u32),
        ArgFmt::Prot => s::prot(out, v as u32),
        ArgFmt::MapFlags => s::mmap_flags(out, v as u32),
        ArgFmt::ClockId => s::clockid(out, v as i32),
        ArgFmt::Signal => s::signal(out, v as i32),
        ArgFmt::SigHow => s::sigprocmask_how(out, v as i32),
        ArgFmt::Whence => s::whence(out, v as i32),
        ArgFmt::ArchPrctl => s::arch_prctl_code(out, v as i32),
        ArgFmt::Ioctl => s::ioctl_request(out, v as u32),
        ArgFmt::Fcntl => s::fcntl_cmd(out, v as i32),
        ArgFmt::Rlimit => s::rlimit_resource(out, v as u32),
        ArgFmt::Madvise => s::madvise_advice(out, v as i32),
        ArgFmt::Futex => s::futex_op(out, v as i32),
        ArgFmt::CloneFlags => s::clone_flags(out, v),
        ArgFmt::AccessMode => s::access_mode(out, v as u32),
    }
}

fn line(cx: &Ctx, nr: usize, a: &[u64; 6], ret: Option<isize>) -> Result<String, fmt::Error> {
    let mut out = String::with_capacity(96);
    s::syscall(&mut out, nr)?;
    out.push('(');
    match syscall_args(nr) {
        Some(fmts) => {
            for (i, f) in fmts.iter().enumerate() {
                // open/openat/creat: strace shows the mode only when the flags use it.
                if *f == ArgFmt::Octal
                    && i > 0
                    && fmts[i - 1] == ArgFmt::OpenFlags
                    && !s::open_has_mode(a[i - 1] as u32)
                {
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                arg(&mut out, cx, *f, a, a[i], ret)?;
            }
        }
        None => {
            // Unknown to the kernel: the raw registers, as strace shows unknown calls.
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write!(out, "{v:#x}")?;
            }
        }
    }
    out.push(')');
    for _ in 0..s::return_padding(out.len()) {
        out.push(' ');
    }
    match ret {
        None => s::ret_none(&mut out)?,
        Some(r) => s::ret(&mut out, r as i64, ret_style(nr))?,
    }
    Ok(out)
}

/// Prints one strace line for call `nr` with arguments `a`; `ret` None means "did not return".
pub fn print(cx: &Ctx, nr: usize, a: &[u64; 6], ret: Option<isize>) {
    if let Ok(l) = line(cx, nr, a, ret) {
        cx.m.strace(&l);
    }
}
