//! futex(2): operations, flags, the robust-list head and the futex2 waitv entry.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const FUTEX_WAIT: i32 = 0;
pub const FUTEX_WAKE: i32 = 1;
pub const FUTEX_FD: i32 = 2;
pub const FUTEX_REQUEUE: i32 = 3;
pub const FUTEX_CMP_REQUEUE: i32 = 4;
pub const FUTEX_WAKE_OP: i32 = 5;
pub const FUTEX_LOCK_PI: i32 = 6;
pub const FUTEX_UNLOCK_PI: i32 = 7;
pub const FUTEX_TRYLOCK_PI: i32 = 8;
pub const FUTEX_WAIT_BITSET: i32 = 9;
pub const FUTEX_WAKE_BITSET: i32 = 10;
pub const FUTEX_WAIT_REQUEUE_PI: i32 = 11;
pub const FUTEX_CMP_REQUEUE_PI: i32 = 12;
pub const FUTEX_LOCK_PI2: i32 = 13;

/// The futex is not shared with other processes (glibc sets it for every process-private lock).
pub const FUTEX_PRIVATE_FLAG: i32 = 128;
/// FUTEX_WAIT_BITSET / LOCK_PI2 timeouts are CLOCK_REALTIME, not CLOCK_MONOTONIC.
pub const FUTEX_CLOCK_REALTIME: i32 = 256;
/// Strips the flags from `op`, leaving the command.
pub const FUTEX_CMD_MASK: i32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

pub const FUTEX_WAIT_PRIVATE: i32 = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAKE_PRIVATE: i32 = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAIT_BITSET_PRIVATE: i32 = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAKE_BITSET_PRIVATE: i32 = FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG;

/// The bitset FUTEX_WAIT/FUTEX_WAKE behave as if they had.
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;

// The futex word of a PI or robust lock.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// Most robust-list entries the kernel walks at thread exit (guards against cycles).
pub const ROBUST_LIST_LIMIT: usize = 2048;

// futex2 (futex_waitv, futex_wake, futex_wait) flags.
pub const FUTEX2_SIZE_U8: u32 = 0x00;
pub const FUTEX2_SIZE_U16: u32 = 0x01;
pub const FUTEX2_SIZE_U32: u32 = 0x02;
pub const FUTEX2_SIZE_U64: u32 = 0x03;
pub const FUTEX2_NUMA: u32 = 0x04;
pub const FUTEX2_PRIVATE: u32 = FUTEX_PRIVATE_FLAG as u32;
pub const FUTEX2_SIZE_MASK: u32 = 0x03;
pub const FUTEX_32: u32 = FUTEX2_SIZE_U32;
pub const FUTEX_WAITV_MAX: usize = 128;

/// `struct robust_list_head` (set_robust_list; 24 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct RobustListHead {
    /// `list.next`: the first entry, or the head's own address when empty.
    pub list: u64,
    /// Offset from an entry to its futex word.
    pub futex_offset: i64,
    /// Entry being locked or unlocked right now, if any.
    pub list_op_pending: u64,
}

/// `struct futex_waitv` (futex_waitv; 24 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct FutexWaitv {
    pub val: u64,
    pub uaddr: u64,
    pub flags: u32,
    pub __reserved: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn layouts() {
        assert_layout!(
            RobustListHead,
            24,
            list = 0,
            futex_offset = 8,
            list_op_pending = 16
        );
        assert_layout!(
            FutexWaitv,
            24,
            val = 0,
            uaddr = 8,
            flags = 16,
            __reserved = 20
        );
    }

    #[test]
    fn ops() {
        assert_eq!(FUTEX_WAIT_PRIVATE, 128);
        assert_eq!(FUTEX_WAKE_PRIVATE, 129);
        assert_eq!(
            (FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME) & FUTEX_CMD_MASK,
            FUTEX_WAIT_BITSET
        );
    }
}
