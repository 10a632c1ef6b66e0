//! File metadata: `struct stat`, `struct statx`, `struct statfs`, the `S_IF*` type and mode
//! bits, and the `STATX_*` masks.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

// File type, the top nibble of st_mode.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

// Permission and special bits.
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;
pub const S_IRWXU: u32 = 0o700;
pub const S_IRUSR: u32 = 0o400;
pub const S_IWUSR: u32 = 0o200;
pub const S_IXUSR: u32 = 0o100;
pub const S_IRWXG: u32 = 0o070;
pub const S_IRGRP: u32 = 0o040;
pub const S_IWGRP: u32 = 0o020;
pub const S_IXGRP: u32 = 0o010;
pub const S_IRWXO: u32 = 0o007;
pub const S_IROTH: u32 = 0o004;
pub const S_IWOTH: u32 = 0o002;
pub const S_IXOTH: u32 = 0o001;
/// Every bit chmod may set (`07777`).
pub const S_IALLUGO: u32 = 0o7777;

pub const fn s_isreg(mode: u32) -> bool {
    mode & S_IFMT == S_IFREG
}
pub const fn s_isdir(mode: u32) -> bool {
    mode & S_IFMT == S_IFDIR
}
pub const fn s_islnk(mode: u32) -> bool {
    mode & S_IFMT == S_IFLNK
}
pub const fn s_ischr(mode: u32) -> bool {
    mode & S_IFMT == S_IFCHR
}
pub const fn s_isblk(mode: u32) -> bool {
    mode & S_IFMT == S_IFBLK
}
pub const fn s_isfifo(mode: u32) -> bool {
    mode & S_IFMT == S_IFIFO
}
pub const fn s_issock(mode: u32) -> bool {
    mode & S_IFMT == S_IFSOCK
}

// statx mask bits (what was asked for / what was filled in).
pub const STATX_TYPE: u32 = 0x0000_0001;
pub const STATX_MODE: u32 = 0x0000_0002;
pub const STATX_NLINK: u32 = 0x0000_0004;
pub const STATX_UID: u32 = 0x0000_0008;
pub const STATX_GID: u32 = 0x0000_0010;
pub const STATX_ATIME: u32 = 0x0000_0020;
pub const STATX_MTIME: u32 = 0x0000_0040;
pub const STATX_CTIME: u32 = 0x0000_0080;
pub const STATX_INO: u32 = 0x0000_0100;
pub const STATX_SIZE: u32 = 0x0000_0200;
pub const STATX_BLOCKS: u32 = 0x0000_0400;
pub const STATX_BASIC_STATS: u32 = 0x0000_07ff;
pub const STATX_BTIME: u32 = 0x0000_0800;
pub const STATX_ALL: u32 = 0x0000_0fff;
pub const STATX_MNT_ID: u32 = 0x0000_1000;
pub const STATX_DIOALIGN: u32 = 0x0000_2000;
pub const STATX_MNT_ID_UNIQUE: u32 = 0x0000_4000;
pub const STATX_SUBVOL: u32 = 0x0000_8000;
pub const STATX_WRITE_ATOMIC: u32 = 0x0001_0000;
pub const STATX_DIO_READ_ALIGN: u32 = 0x0002_0000;
pub const STATX__RESERVED: u32 = 0x8000_0000;

// stx_attributes bits.
pub const STATX_ATTR_COMPRESSED: u64 = 0x0000_0004;
pub const STATX_ATTR_IMMUTABLE: u64 = 0x0000_0010;
pub const STATX_ATTR_APPEND: u64 = 0x0000_0020;
pub const STATX_ATTR_NODUMP: u64 = 0x0000_0040;
pub const STATX_ATTR_ENCRYPTED: u64 = 0x0000_0800;
pub const STATX_ATTR_AUTOMOUNT: u64 = 0x0000_1000;
pub const STATX_ATTR_MOUNT_ROOT: u64 = 0x0000_2000;
pub const STATX_ATTR_VERITY: u64 = 0x0010_0000;
pub const STATX_ATTR_DAX: u64 = 0x0020_0000;

/// `struct stat` as x86_64's newfstatat/fstat/stat/lstat fill it (144 bytes). x86_64 has no
/// separate stat64: this is the only layout. Times are split into seconds and nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    /// u64 here (unlike most architectures' u32), which is why st_mode comes after it.
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub __pad0: u32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    /// In 512-byte units, whatever st_blksize says.
    pub st_blocks: i64,
    pub st_atime: i64,
    pub st_atime_nsec: i64,
    pub st_mtime: i64,
    pub st_mtime_nsec: i64,
    pub st_ctime: i64,
    pub st_ctime_nsec: i64,
    pub __unused: [i64; 3],
}

/// `struct statx_timestamp` (16 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub __reserved: i32,
}

/// `struct statx` (256 bytes), including the fields added up to Linux 6.16; a kernel that does
/// not fill a field leaves it zero and its STATX_* bit clear in `stx_mask`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub __spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub stx_dio_mem_align: u32,
    pub stx_dio_offset_align: u32,
    pub stx_subvol: u64,
    pub stx_atomic_write_unit_min: u32,
    pub stx_atomic_write_unit_max: u32,
    pub stx_atomic_write_segments_max: u32,
    pub stx_dio_read_offset_align: u32,
    pub stx_atomic_write_unit_max_opt: u32,
    pub __spare2: u32,
    pub __spare3: [u64; 8],
}

/// `struct statfs` as x86_64's statfs/fstatfs fill it (120 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}

// f_type magic numbers for the file systems Osprey presents.
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
pub const RAMFS_MAGIC: i64 = 0x8584_58f6u32 as i64;
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
pub const SYSFS_MAGIC: i64 = 0x6265_6572;
pub const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;

/// Device numbers as glibc's `makedev`/`major`/`minor` encode them in st_dev/st_rdev.
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}
pub const fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)) as u32
}
pub const fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0xff)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout_test::assert_layout;

    #[test]
    fn stat_layout() {
        assert_layout!(
            Stat,
            144,
            st_dev = 0,
            st_ino = 8,
            st_nlink = 16,
            st_mode = 24,
            st_uid = 28,
            st_gid = 32,
            __pad0 = 36,
            st_rdev = 40,
            st_size = 48,
            st_blksize = 56,
            st_blocks = 64,
            st_atime = 72,
            st_atime_nsec = 80,
            st_mtime = 88,
            st_mtime_nsec = 96,
            st_ctime = 104,
            st_ctime_nsec = 112,
            __unused = 120,
        );
    }

    #[test]
    fn statx_layout() {
        assert_layout!(StatxTimestamp, 16, tv_sec = 0, tv_nsec = 8, __reserved = 12);
        assert_layout!(
            Statx,
            256,
            stx_mask = 0,
            stx_blksize = 4,
            stx_attributes = 8,
            stx_nlink = 16,
            stx_uid = 20,
            stx_gid = 24,
            stx_mode = 28,
            __spare0 = 30,
            stx_ino = 32,
            stx_size = 40,
            stx_blocks = 48,
            stx_attributes_mask = 56,
            stx_atime = 64,
            stx_btime = 80,
            stx_ctime = 96,
            stx_mtime = 112,
            stx_rdev_major = 128,
            stx_rdev_minor = 132,
            stx_dev_major = 136,
            stx_dev_minor = 140,
            stx_mnt_id = 144,
            stx_dio_mem_align = 152,
            stx_dio_offset_align = 156,
            stx_subvol = 160,
            stx_atomic_write_unit_min = 168,
            stx_atomic_write_unit_max = 172,
            stx_atomic_write_segments_max = 176,
            stx_dio_read_offset_align = 180,
            stx_atomic_write_unit_max_opt = 184,
            __spare2 = 188,
            __spare3 = 192,
        );
    }

    #[test]
    fn statfs_layout() {
        assert_layout!(
            Statfs,
            120,
            f_type = 0,
            f_bsize = 8,
            f_blocks = 16,
            f_bfree = 24,
            f_bavail = 32,
            f_files = 40,
            f_ffree = 48,
            f_fsid = 56,
            f_namelen = 64,
            f_frsize = 72,
            f_flags = 80,
            f_spare = 88,
        );
    }

    #[test]
    fn mode_helpers() {
        assert!(s_isreg(S_IFREG | 0o644));
        assert!(s_isdir(S_IFDIR | 0o755));
        assert!(!s_isdir(S_IFLNK));
        assert!(s_islnk(S_IFLNK | 0o777));
        assert!(s_ischr(S_IFCHR) && s_isblk(S_IFBLK) && s_isfifo(S_IFIFO) && s_issock(S_IFSOCK));
    }

    #[test]
    fn device_numbers() {
        // /dev/null is 1:3 -> 0x103; /dev/tty 5:0 -> 0x500; /dev/pts/0 136:0 -> 0x8800.
        assert_eq!(makedev(1, 3), 0x103);
        assert_eq!(makedev(5, 0), 0x500);
        assert_eq!(makedev(136, 0), 0x8800);
        let dev = makedev(0x12345, 0x6789a);
        assert_eq!((major(dev), minor(dev)), (0x12345, 0x6789a));
    }
}
