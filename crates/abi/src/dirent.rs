//! Directory entries: the `DT_*` types and `struct linux_dirent64` as getdents64 returns them.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::stat::S_IFMT;

pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;
pub const DT_WHT: u8 = 14;

/// The d_type for a st_mode: Linux defines DT_* as the S_IF* type nibble shifted down.
pub const fn dt_from_mode(mode: u32) -> u8 {
    ((mode & S_IFMT) >> 12) as u8
}

/// The fixed head of `struct linux_dirent64`. The NUL-terminated name follows at
/// [`LinuxDirent64::NAME_OFFSET`] (19, not 24: in C `d_name[]` starts right after d_type), and
/// the record is padded with zeros to `d_reclen`, a multiple of 8.
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C, packed)]
pub struct LinuxDirent64 {
    pub d_ino: u64,
    /// Position to seek to for the entry after this one (the next getdents64 cookie).
    pub d_off: i64,
    pub d_reclen: u16,
    pub d_type: u8,
}

impl LinuxDirent64 {
    /// Where `d_name` starts inside a record.
    pub const NAME_OFFSET: usize = 19;

    /// The record length for a name of `name_len` bytes: header, name, NUL, rounded up to 8.
    pub const fn reclen(name_len: usize) -> usize {
        (Self::NAME_OFFSET + name_len + 1 + 7) & !7
    }
}

/// Writes one getdents64 record at the start of `buf` and returns its length, or `None` when it
/// does not fit (the caller then stops, or answers EINVAL if nothing fit at all). Padding bytes
/// are zeroed so nothing stale reaches the app.
pub fn write_dirent64(
    buf: &mut [u8],
    ino: u64,
    next_off: i64,
    d_type: u8,
    name: &[u8],
) -> Option<usize> {
    let len = LinuxDirent64::reclen(name.len());
    let reclen = u16::try_from(len).ok()?;
    let rec = buf.get_mut(..len)?;
    let head = LinuxDirent64 {
        d_ino: ino,
        d_off: next_off,
        d_reclen: reclen,
        d_type,
    };
    rec[..LinuxDirent64::NAME_OFFSET].copy_from_slice(head.as_bytes());
    let name_end = LinuxDirent64::NAME_OFFSET + name.len();
    rec[LinuxDirent64::NAME_OFFSET..name_end].copy_from_slice(name);
    rec[name_end..].fill(0);
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stat::{S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG};

    #[test]
    fn layout() {
        assert_eq!(core::mem::size_of::<LinuxDirent64>(), 19);
        assert_eq!(core::mem::offset_of!(LinuxDirent64, d_ino), 0);
        assert_eq!(core::mem::offset_of!(LinuxDirent64, d_off), 8);
        assert_eq!(core::mem::offset_of!(LinuxDirent64, d_reclen), 16);
        assert_eq!(core::mem::offset_of!(LinuxDirent64, d_type), 18);
    }

    #[test]
    fn types_from_mode() {
        assert_eq!(dt_from_mode(S_IFREG | 0o644), DT_REG);
        assert_eq!(dt_from_mode(S_IFDIR), DT_DIR);
        assert_eq!(dt_from_mode(S_IFLNK), DT_LNK);
        assert_eq!(dt_from_mode(S_IFCHR), DT_CHR);
    }

    #[test]
    fn records() {
        // "." -> 19 + 1 + 1 = 21 -> 24; a 5-byte name -> 25 -> 32.
        assert_eq!(LinuxDirent64::reclen(1), 24);
        assert_eq!(LinuxDirent64::reclen(4), 24);
        assert_eq!(LinuxDirent64::reclen(5), 32);
        let mut buf = [0xffu8; 40];
        assert_eq!(write_dirent64(&mut buf, 7, 1, DT_DIR, b"."), Some(24));
        assert_eq!(&buf[0..8], &7u64.to_le_bytes());
        assert_eq!(&buf[8..16], &1i64.to_le_bytes());
        assert_eq!(&buf[16..18], &24u16.to_le_bytes());
        assert_eq!(buf[18], DT_DIR);
        assert_eq!(&buf[19..24], &[b'.', 0, 0, 0, 0]);
        assert_eq!(buf[24], 0xff);
        assert_eq!(write_dirent64(&mut buf[..23], 7, 1, DT_DIR, b"."), None);
    }
}
