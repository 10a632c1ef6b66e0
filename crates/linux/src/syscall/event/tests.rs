//! Host tests of poll/select and of the single-thread futex, through the system-call table.

use osprey_abi::futex::*;
use osprey_abi::poll::*;
use osprey_abi::sysno::*;
use osprey_abi::Errno;

use crate::testing::TestEnv;

fn pollfd(fd: i32, events: i16) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&fd.to_le_bytes());
    b[4..6].copy_from_slice(&events.to_le_bytes());
    b
}

#[test]
fn poll_reports_ready_descriptors_and_nval() {
    let e = TestEnv::new();
    // A regular file is always ready; fd 55 is not open (POLLNVAL); -1 is skipped.
    let path = e.m.cstr("/tmp/p");
    let fd = e.sys(
        SYS_OPEN,
        &[
            path,
            (osprey_abi::fcntl::O_CREAT | osprey_abi::fcntl::O_RDWR) as u64,
            0o644,
        ],
    );
    assert!(fd >= 3);
    let mut buf = Vec::new();
    buf.extend_from_slice(&pollfd(fd as i32, POLLIN | POLLOUT));
    buf.extend_from_slice(&pollfd(55, POLLIN));
    buf.extend_from_slice(&pollfd(-1, POLLIN));
    let fds = e.m.alloc_bytes(&buf);
    assert_eq!(e.sys(SYS_POLL, &[fds, 3, 0]), 2);
    let revents = |i: u64| i16::from_le_bytes(e.m.peek(fds + i * 8 + 6, 2).try_into().unwrap());
    assert_eq!(revents(0), POLLIN | POLLOUT);
    assert_eq!(revents(1), POLLNVAL);
    assert_eq!(revents(2), 0);
    // A bad array pointer is EFAULT; more descriptors than RLIMIT_NOFILE is EINVAL.
    assert_eq!(e.sys(SYS_POLL, &[0x10, 1, 0]), Errno::EFAULT.as_ret());
    assert_eq!(e.sys(SYS_POLL, &[fds, 1 << 20, 0]), Errno::EINVAL.as_ret());
}

#[test]
fn select_checks_descriptors_and_fills_the_sets() {
    let e = TestEnv::new();
    // fds 0-2 are the console: stdout is writable.
    let set = e.m.alloc_bytes(&(1u64 << 1).to_le_bytes());
    let tv = e.m.alloc_bytes(&[0u8; 16]);
    assert_eq!(e.sys(SYS_SELECT, &[2, 0, set, 0, tv]), 1);
    assert_eq!(
        u64::from_le_bytes(e.m.peek(set, 8).try_into().unwrap()),
        1 << 1
    );
    // A closed descriptor in a set: EBADF.
    let bad = e.m.alloc_bytes(&(1u64 << 9).to_le_bytes());
    assert_eq!(
        e.sys(SYS_SELECT, &[10, bad, 0, 0, tv]),
        Errno::EBADF.as_ret()
    );
    // A negative timeout: EINVAL.
    let mut neg = [0u8; 16];
    neg[..8].copy_from_slice(&(-1i64).to_le_bytes());
    let ntv = e.m.alloc_bytes(&neg);
    assert_eq!(
        e.sys(SYS_SELECT, &[2, 0, set, 0, ntv]),
        Errno::EINVAL.as_ret()
    );
}

#[test]
fn single_thread_futex_wakes_no_one_and_checks_values() {
    let e = TestEnv::new();
    let word = e.m.alloc_bytes(&7u32.to_le_bytes());
    let private = FUTEX_PRIVATE_FLAG as u64;
    assert_eq!(e.sys(SYS_FUTEX, &[word, FUTEX_WAKE as u64 | private, 1]), 0);
    // The value changed under the waiter: EAGAIN at once.
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAIT as u64 | private, 8, 0]),
        Errno::EAGAIN.as_ret()
    );
    // A timed wait whose value matches times out.
    let ts = e.m.alloc_bytes(&[0u8; 16]);
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAIT as u64, 7, ts]),
        Errno::ETIMEDOUT.as_ret()
    );
    // Misaligned words and a zero bitset are EINVAL; a bad pointer EFAULT.
    assert_eq!(
        e.sys(SYS_FUTEX, &[word + 1, FUTEX_WAKE as u64, 1]),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAIT_BITSET as u64, 7, 0, 0, 0]),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        e.sys(SYS_FUTEX, &[0x10, FUTEX_WAIT as u64, 7, ts]),
        Errno::EFAULT.as_ret()
    );
    // FUTEX_WAKE_OP applies its operation to the second word: op ADD 5.
    let word2 = e.m.alloc_bytes(&10u32.to_le_bytes());
    let op = (1u64 << 28) | (5 << 12);
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAKE_OP as u64, 1, 1, word2, op]),
        0
    );
    assert_eq!(
        u32::from_le_bytes(e.m.peek(word2, 4).try_into().unwrap()),
        15
    );
    // CMP_REQUEUE compares the first word with val3.
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_CMP_REQUEUE as u64, 1, 1, word2, 8]),
        Errno::EAGAIN.as_ret()
    );
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_CMP_REQUEUE as u64, 1, 1, word2, 7]),
        0
    );
    // Priority-inheritance operations are not there: glibc falls back on ENOSYS.
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_LOCK_PI as u64, 0, 0]),
        Errno::ENOSYS.as_ret()
    );
}
