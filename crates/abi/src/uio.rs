//! Vectored I/O: `struct iovec` and its limit.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct iovec` (readv/writev/preadv/process_vm_*; 16 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Iovec {
    pub iov_base: u64,
    pub iov_len: u64,
}

/// Most iovecs one call accepts (UIO_MAXIOV); more is EINVAL.
pub const IOV_MAX: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn layout() {
        assert_layout!(Iovec, 16, iov_base = 0, iov_len = 8);
    }
}
