//! poll/select and epoll: event bits, `struct pollfd`, `struct epoll_event` and epoll_ctl ops.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::fcntl::O_CLOEXEC;

// poll events (i16 in struct pollfd; epoll uses the same low bits in a u32).
pub const POLLIN: i16 = 0x0001;
pub const POLLPRI: i16 = 0x0002;
pub const POLLOUT: i16 = 0x0004;
pub const POLLERR: i16 = 0x0008;
pub const POLLHUP: i16 = 0x0010;
pub const POLLNVAL: i16 = 0x0020;
pub const POLLRDNORM: i16 = 0x0040;
pub const POLLRDBAND: i16 = 0x0080;
pub const POLLWRNORM: i16 = 0x0100;
pub const POLLWRBAND: i16 = 0x0200;
pub const POLLMSG: i16 = 0x0400;
pub const POLLREMOVE: i16 = 0x1000;
pub const POLLRDHUP: i16 = 0x2000;

/// `struct pollfd` (8 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Pollfd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}

pub const EPOLLIN: u32 = 0x0000_0001;
pub const EPOLLPRI: u32 = 0x0000_0002;
pub const EPOLLOUT: u32 = 0x0000_0004;
pub const EPOLLERR: u32 = 0x0000_0008;
pub const EPOLLHUP: u32 = 0x0000_0010;
pub const EPOLLNVAL: u32 = 0x0000_0020;
pub const EPOLLRDNORM: u32 = 0x0000_0040;
pub const EPOLLRDBAND: u32 = 0x0000_0080;
pub const EPOLLWRNORM: u32 = 0x0000_0100;
pub const EPOLLWRBAND: u32 = 0x0000_0200;
pub const EPOLLMSG: u32 = 0x0000_0400;
pub const EPOLLRDHUP: u32 = 0x0000_2000;
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub const EPOLLWAKEUP: u32 = 1 << 29;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;

// epoll_ctl ops.
pub const EPOLL_CTL_ADD: i32 = 1;
pub const EPOLL_CTL_DEL: i32 = 2;
pub const EPOLL_CTL_MOD: i32 = 3;

/// epoll_create1 flag.
pub const EPOLL_CLOEXEC: u32 = O_CLOEXEC;

/// `struct epoll_event`: packed on x86_64 (12 bytes, `data` at offset 4), unlike every other
/// architecture, for compatibility with 32-bit x86.
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C, packed)]
pub struct EpollEvent {
    pub events: u32,
    /// The user's cookie (epoll_data_t: a pointer, fd or u64).
    pub data: u64,
}

/// fd_set capacity for select/pselect6.
pub const FD_SETSIZE: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn layouts() {
        assert_layout!(Pollfd, 8, fd = 0, events = 4, revents = 6);
        assert_layout!(EpollEvent, 12, events = 0, data = 4);
        assert_eq!(core::mem::align_of::<EpollEvent>(), 1);
    }

    #[test]
    fn epoll_event_bytes() {
        use zerocopy::{FromBytes, IntoBytes};
        let ev = EpollEvent {
            events: EPOLLIN | EPOLLET,
            data: 0x1122_3344_5566_7788,
        };
        let b = ev.as_bytes();
        assert_eq!(&b[..4], &0x8000_0001u32.to_le_bytes());
        assert_eq!(&b[4..], &0x1122_3344_5566_7788u64.to_le_bytes());
        let back = EpollEvent::read_from_bytes(b).unwrap();
        assert_eq!({ back.data }, 0x1122_3344_5566_7788);
    }
}
