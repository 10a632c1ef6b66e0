//! Unpacking the initramfs: a cpio archive in "newc" format (SVR4, magic `070701`, or
//! `070702` with a checksum), as the CLI packs it and `cpio -o -H newc` writes it.
//!
//! Each entry is a 110-byte ASCII-hex header, the NUL-terminated name (header plus name padded
//! to 4 bytes), then the data (padded to 4 bytes). The archive ends with an entry named
//! `TRAILER!!!`; several archives may follow each other, separated by zero padding.
//! Hard links: entries sharing `(devmajor, devminor, ino)` with `nlink > 1` are one inode, and
//! newc stores the data only with the last of them.
//!
//! The input is untrusted bytes: every size is checked, nothing can panic, and names cannot
//! leave the root (`..` is rejected).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::consts::*;
use crate::inode::{Inode, SetTime, Timespec};
use crate::Errno;

const HEADER_LEN: usize = 110;
const TRAILER: &[u8] = b"TRAILER!!!";

/// What was wrong with an archive, and at which byte offset the entry starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpioError {
    /// The header does not start with `070701` or `070702`.
    BadMagic(usize),
    /// The archive ends inside an entry or without a trailer.
    Truncated(usize),
    /// A header field is not 8 hex digits.
    BadHex(usize),
    /// The name is empty, lacks its NUL, contains `..` or an over-long component.
    BadName(usize),
    /// A mode with an unknown file type.
    BadMode(usize),
    /// `070702` checksum mismatch.
    Checksum(usize),
    /// The file system refused an operation.
    Fs(usize, Errno),
}

impl CpioError {
    /// The errno to report if the kernel maps this to a system error: the file system's
    /// error, EINVAL for a malformed archive.
    pub fn errno(self) -> Errno {
        match self {
            CpioError::Fs(_, e) => e,
            _ => Errno::EINVAL,
        }
    }
}

/// Counts of what was unpacked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpioStats {
    /// Entries processed (without trailers).
    pub entries: usize,
    /// Regular files created.
    pub files: usize,
    /// Directories created or updated.
    pub dirs: usize,
    /// Symlinks created.
    pub symlinks: usize,
    /// Extra names for hard-linked files.
    pub hardlinks: usize,
    /// Device, FIFO and socket nodes.
    pub nodes: usize,
    /// Bytes of file data written.
    pub bytes: u64,
}

/// The decoded numeric header fields.
struct Header {
    ino: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    mtime: u32,
    filesize: u32,
    devmajor: u32,
    devminor: u32,
    rdevmajor: u32,
    rdevminor: u32,
    namesize: u32,
    check: u32,
}

fn hex8(b: &[u8], at: usize) -> Option<u32> {
    let field = b.get(at..at + 8)?;
    let mut v: u32 = 0;
    for &c in field {
        let d = (c as char).to_digit(16)?;
        v = (v << 4) | d;
    }
    Some(v)
}

fn parse_header(h: &[u8], off: usize) -> Result<(Header, bool), CpioError> {
    let crc = match h.get(0..6) {
        Some(b"070701") => false,
        Some(b"070702") => true,
        _ => return Err(CpioError::BadMagic(off)),
    };
    let mut f = [0u32; 13];
    for (i, v) in f.iter_mut().enumerate() {
        *v = hex8(h, 6 + 8 * i).ok_or(CpioError::BadHex(off))?;
    }
    let hdr = Header {
        ino: f[0],
        mode: f[1],
        uid: f[2],
        gid: f[3],
        nlink: f[4],
        mtime: f[5],
        filesize: f[6],
        devmajor: f[7],
        devminor: f[8],
        rdevmajor: f[9],
        rdevminor: f[10],
        namesize: f[11],
        check: f[12],
    };
    Ok((hdr, crc))
}

fn align4(x: usize) -> Option<usize> {
    x.checked_add(3).map(|v| v & !3)
}

/// Splits an archive name into components under the root: leading `/` and `./` and empty or
/// `.` components are dropped; `..` and components longer than `NAME_MAX` are rejected.
fn components(name: &[u8], off: usize) -> Result<Vec<&[u8]>, CpioError> {
    let mut out = Vec::new();
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err(CpioError::BadName(off)),
            _ if c.len() > NAME_MAX || c.contains(&0) => return Err(CpioError::BadName(off)),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Unpacks `archive` into the directory `root` (a ramfs root, usually). Missing parent
/// directories are created with mode 0755; an existing entry of another type is replaced.
/// Directory modification times are applied at the end, after their contents exist.
pub fn unpack(archive: &[u8], root: &Arc<dyn Inode>) -> Result<CpioStats, CpioError> {
    unpack_impl(archive, None, root)
}

/// [`unpack`] for an archive that stays in memory for good (the kernel's boot image): regular
/// files keep their bytes inside `archive` instead of copying them (see
/// [`Inode::set_static_contents`]); file systems that cannot do that get a copy.
pub fn unpack_static(
    archive: &'static [u8],
    root: &Arc<dyn Inode>,
) -> Result<CpioStats, CpioError> {
    unpack_impl(archive, Some(archive), root)
}

fn unpack_impl(
    archive: &[u8],
    keep: Option<&'static [u8]>,
    root: &Arc<dyn Inode>,
) -> Result<CpioStats, CpioError> {
    let mut stats = CpioStats::default();
    let mut links: BTreeMap<(u32, u32, u32), Arc<dyn Inode>> = BTreeMap::new();
    let mut dir_times: Vec<(Arc<dyn Inode>, u32)> = Vec::new();
    let mut off = 0usize;
    let mut seen_trailer = false;
    loop {
        if seen_trailer {
            // After a trailer: zero padding, then optionally another archive.
            while off < archive.len() && archive[off] == 0 {
                off += 1;
            }
            if off >= archive.len() {
                break;
            }
            seen_trailer = false;
        }
        let rest = archive.get(off..).unwrap_or_default();
        if rest.len() >= 6 && !matches!(&rest[..6], b"070701" | b"070702") {
            return Err(CpioError::BadMagic(off));
        }
        let end = off
            .checked_add(HEADER_LEN)
            .ok_or(CpioError::Truncated(off))?;
        let h = archive.get(off..end).ok_or(CpioError::Truncated(off))?;
        let (hdr, crc) = parse_header(h, off)?;
        let name_end = end
            .checked_add(hdr.namesize as usize)
            .ok_or(CpioError::Truncated(off))?;
        let name_full = archive
            .get(end..name_end)
            .ok_or(CpioError::Truncated(off))?;
        let name = match name_full.split_last() {
            Some((0, n)) if !n.is_empty() => n,
            _ => return Err(CpioError::BadName(off)),
        };
        let data_start = align4(name_end).ok_or(CpioError::Truncated(off))?;
        let data_end = data_start
            .checked_add(hdr.filesize as usize)
            .ok_or(CpioError::Truncated(off))?;
        let data = archive
            .get(data_start..data_end)
            .ok_or(CpioError::Truncated(off))?;
        let next = align4(data_end).ok_or(CpioError::Truncated(off))?;
        // Only regular files with data are checked, as Linux does: GNU cpio writes 0 for
        // symlinks and repeats a hard-linked file's sum on its data-less entries.
        if crc && !data.is_empty() && hdr.mode & S_IFMT == S_IFREG {
            let sum = data.iter().fold(0u32, |s, &b| s.wrapping_add(b as u32));
            if sum != hdr.check {
                return Err(CpioError::Checksum(off));
            }
        }
        if name == TRAILER {
            seen_trailer = true;
            off = next.min(archive.len());
            continue;
        }
        stats.entries += 1;
        let kept = keep.and_then(|a| a.get(data_start..data_end));
        extract(
            root,
            &hdr,
            name,
            data,
            kept,
            off,
            &mut stats,
            &mut links,
            &mut dir_times,
        )?;
        off = next;
    }
    for (dir, mtime) in dir_times {
        let t = Timespec::new(mtime as i64, 0);
        dir.set_times(SetTime::Set(t), SetTime::Set(t))
            .map_err(|e| CpioError::Fs(off, e))?;
    }
    Ok(stats)
}

/// Makes sure `name` in `dir` is free for a new entry (`keep_dir`: an existing directory may
/// stay, for a directory entry). Returns the existing directory if kept.
fn clear_name(
    dir: &Arc<dyn Inode>,
    name: &[u8],
    keep_dir: bool,
) -> Result<Option<Arc<dyn Inode>>, Errno> {
    match dir.lookup(name) {
        Ok(old) => {
            if old.metadata().is_dir() {
                if keep_dir {
                    return Ok(Some(old));
                }
                dir.rmdir(name)?;
            } else {
                dir.unlink(name)?;
            }
            Ok(None)
        }
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)]
fn extract(
    root: &Arc<dyn Inode>,
    hdr: &Header,
    name: &[u8],
    data: &[u8],
    kept: Option<&'static [u8]>,
    off: usize,
    stats: &mut CpioStats,
    links: &mut BTreeMap<(u32, u32, u32), Arc<dyn Inode>>,
    dir_times: &mut Vec<(Arc<dyn Inode>, u32)>,
) -> Result<(), CpioError> {
    let fs = |e: Errno| CpioError::Fs(off, e);
    let comps = components(name, off)?;
    let ty = hdr.mode & S_IFMT;
    let perm = hdr.mode & S_IALLUGO;
    let mtime = Timespec::new(hdr.mtime as i64, 0);

    // Walk (and create) the parents.
    let mut dir = root.clone();
    let Some((last, parents)) = comps.split_last() else {
        // The entry is the root itself (`.`): take its attributes.
        if ty != S_IFDIR {
            return Err(CpioError::BadName(off));
        }
        root.chmod(perm).map_err(fs)?;
        root.chown(Some(hdr.uid), Some(hdr.gid)).map_err(fs)?;
        dir_times.push((root.clone(), hdr.mtime));
        stats.dirs += 1;
        return Ok(());
    };
    for c in parents {
        dir = match dir.lookup(c) {
            Ok(d) if d.metadata().is_dir() => d,
            Ok(_) => return Err(fs(Errno::ENOTDIR)),
            Err(Errno::ENOENT) => dir.mkdir(c, 0o755).map_err(fs)?,
            Err(e) => return Err(fs(e)),
        };
    }

    let node: Arc<dyn Inode> = match ty {
        S_IFDIR => {
            let node = match clear_name(&dir, last, true).map_err(fs)? {
                Some(existing) => existing,
                None => dir.mkdir(last, perm).map_err(fs)?,
            };
            stats.dirs += 1;
            node.chmod(perm).map_err(fs)?;
            node.chown(Some(hdr.uid), Some(hdr.gid)).map_err(fs)?;
            dir_times.push((node, hdr.mtime));
            return Ok(());
        }
        S_IFREG => {
            clear_name(&dir, last, false).map_err(fs)?;
            let key = (hdr.devmajor, hdr.devminor, hdr.ino);
            let existing = if hdr.nlink > 1 {
                links.get(&key).cloned()
            } else {
                None
            };
            let node = match existing {
                Some(first) => {
                    dir.link(last, &first).map_err(fs)?;
                    stats.hardlinks += 1;
                    if !data.is_empty() {
                        first.truncate(0).map_err(fs)?;
                    }
                    first
                }
                None => {
                    let n = dir.create(last, S_IFREG | perm, 0).map_err(fs)?;
                    if hdr.nlink > 1 {
                        links.insert(key, n.clone());
                    }
                    stats.files += 1;
                    n
                }
            };
            let shared = match kept {
                Some(k) if !k.is_empty() => node.set_static_contents(k).is_ok(),
                _ => false,
            };
            if shared {
                stats.bytes += data.len() as u64;
            } else if !data.is_empty() {
                let mut done = 0;
                while done < data.len() {
                    let n = node.write_at(done as u64, &data[done..]).map_err(fs)?;
                    if n == 0 {
                        return Err(fs(Errno::EIO));
                    }
                    done += n;
                }
                stats.bytes += data.len() as u64;
            }
            node
        }
        S_IFLNK => {
            clear_name(&dir, last, false).map_err(fs)?;
            stats.symlinks += 1;
            let target = data.strip_suffix(&[0]).unwrap_or(data);
            let node = dir.symlink(last, target).map_err(fs)?;
            node.chown(Some(hdr.uid), Some(hdr.gid)).map_err(fs)?;
            node.set_times(SetTime::Set(mtime), SetTime::Set(mtime))
                .map_err(fs)?;
            return Ok(());
        }
        S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => {
            clear_name(&dir, last, false).map_err(fs)?;
            stats.nodes += 1;
            let rdev = makedev(hdr.rdevmajor, hdr.rdevminor);
            dir.create(last, ty | perm, rdev).map_err(fs)?
        }
        _ => return Err(CpioError::BadMode(off)),
    };
    node.chmod(perm).map_err(fs)?;
    node.chown(Some(hdr.uid), Some(hdr.gid)).map_err(fs)?;
    node.set_times(SetTime::Set(mtime), SetTime::Set(mtime))
        .map_err(fs)?;
    Ok(())
}
