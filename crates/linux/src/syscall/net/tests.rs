//! Host tests of the socket system calls' argument handling (families have their own).

use osprey_abi::socket::*;
use osprey_abi::sysno::*;
use osprey_abi::Errno;

use crate::testing::TestEnv;

#[test]
fn unknown_families_and_bad_flags_fail_like_linux() {
    let h = TestEnv::new();
    assert_eq!(
        h.sys(SYS_SOCKET, &[99, SOCK_STREAM as u64, 0]),
        Errno::EAFNOSUPPORT.as_ret()
    );
    assert_eq!(
        h.sys(
            SYS_SOCKET,
            &[AF_INET as u64, (SOCK_STREAM | 0x100) as u64, 0]
        ),
        Errno::EINVAL.as_ret()
    );
}

#[test]
fn socket_calls_on_a_non_socket_give_enotsock() {
    let h = TestEnv::new();
    // fd 0 is the console.
    assert_eq!(h.sys(SYS_LISTEN, &[0, 1]), Errno::ENOTSOCK.as_ret());
    assert_eq!(h.sys(SYS_SHUTDOWN, &[0, 1]), Errno::ENOTSOCK.as_ret());
    assert_eq!(h.sys(SYS_LISTEN, &[77, 1]), Errno::EBADF.as_ret());
}
