//! The initramfs: a list of (guest path, content, mode) entries written as a cpio "newc" archive.
//!
//! Why newc is written here rather than with the `cpio` crate: the format is a 110-byte ASCII
//! header, the name and the data, each padded to 4 bytes; the crate wants a reader per entry and
//! gives no control over inode numbers, directories or symlinks. Forty lines here are simpler
//! than adapting to it, and the kernel side (crates/vfs) reads exactly what is written below.
//!
//! Names in the archive are relative (`bin/busybox`, `.osprey/launch`), like the archives
//! `find . | cpio -o -H newc` makes for Linux; parents come before their children.
//!
//! Later issues add more entries (the dynamic loader, shared libraries, data files): each is one
//! more [`Pack::file`] call; the list keeps which host file backs each guest path, which the
//! crash symbolizer uses to find the ELF that contains a faulting address.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use osprey_proto::launch::{self, Launch};

use crate::program::Program;

/// Where an entry's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Copied from this host file when the archive is written.
    Host(PathBuf),
    /// These bytes.
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File(Source),
    /// A symbolic link to this target.
    Symlink(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits (0o7777 range); the file type comes from `kind`.
    pub mode: u32,
    /// Modification time (seconds since the epoch) of the host file it copies, so that `ls -l`
    /// in the guest shows the host's dates; `None` (generated files): the packing time.
    pub mtime: Option<u64>,
}

/// The files of the guest's root file system, keyed by absolute guest path.
#[derive(Clone, Debug, Default)]
pub struct Pack {
    entries: BTreeMap<String, Entry>,
    /// Host directories and symlinks read by [`include`]: with the host files of the entries,
    /// everything the pack was made from (what the image cache checks for changes).
    host_inputs: Vec<PathBuf>,
}

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

impl Pack {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a directory (and its parents). An existing entry at `path` is kept.
    pub fn dir(&mut self, path: &str, mode: u32) {
        let path = clean(path);
        if path == "/" {
            return;
        }
        self.parents(&path);
        self.entries.entry(path).or_insert(Entry {
            kind: Kind::Dir,
            mode,
            mtime: None,
        });
    }

    /// Adds a regular file (and its parent directories, mode 0755), replacing any entry there.
    pub fn file(&mut self, path: &str, source: Source, mode: u32) {
        let path = clean(path);
        self.parents(&path);
        self.entries.insert(
            path,
            Entry {
                kind: Kind::File(source),
                mode,
                mtime: None,
            },
        );
    }

    /// Adds a symbolic link (and its parent directories), unless something is already there.
    pub fn symlink(&mut self, path: &str, target: &str) {
        let path = clean(path);
        self.parents(&path);
        self.entries.entry(path).or_insert(Entry {
            kind: Kind::Symlink(target.into()),
            mode: 0o777,
            mtime: None,
        });
    }

    fn parents(&mut self, path: &str) {
        let mut end = 0;
        while let Some(i) = path[end + 1..].find('/') {
            end += 1 + i;
            self.entries
                .entry(path[..end].to_string())
                .or_insert(Entry {
                    kind: Kind::Dir,
                    mode: 0o755,
                    mtime: None,
                });
        }
    }

    /// Every host path the pack was made from: the files it copies, and the directories and
    /// symlinks [`include`] walked (a directory's mtime changes when entries come or go).
    pub fn host_inputs(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self
            .entries
            .values()
            .filter_map(|e| match &e.kind {
                Kind::File(Source::Host(h)) => Some(h.clone()),
                _ => None,
            })
            .chain(self.host_inputs.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The bytes of the files the archive will copy from the host (for progress).
    pub fn host_bytes(&self) -> u64 {
        self.entries
            .values()
            .filter_map(|e| match &e.kind {
                Kind::File(Source::Host(h)) => fs::metadata(h).ok().map(|m| m.len()),
                _ => None,
            })
            .sum()
    }

    /// Gives the entry at `path` (if any) the host's modification time.
    pub fn set_mtime(&mut self, path: &str, secs: u64) {
        if let Some(e) = self.entries.get_mut(&clean(path)) {
            e.mtime = Some(secs);
        }
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(&clean(path))
    }

    /// The host file packed at `guest_path`, if it came from one (for the crash symbolizer).
    pub fn host_file(&self, guest_path: &str) -> Option<&Path> {
        match &self.get(guest_path)?.kind {
            Kind::File(Source::Host(p)) => Some(p),
            _ => None,
        }
    }

    /// Writes the archive in cpio newc format.
    pub fn write_newc(&self, w: &mut impl Write) -> Result<()> {
        self.write_newc_with(w, &mut |_| {})
    }

    /// [`Pack::write_newc`], calling `progress` with the bytes of each host file copied.
    pub fn write_newc_with(&self, w: &mut impl Write, progress: &mut dyn FnMut(u64)) -> Result<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut w = Counting { inner: w, n: 0 };
        for (ino, (path, entry)) in self.entries.iter().enumerate() {
            let name = &path[1..]; // relative: "bin/busybox"
            let mtime = entry.mtime.unwrap_or(now);
            let ino = ino as u32 + 1;
            match &entry.kind {
                Kind::Dir => {
                    newc_header(&mut w, ino, S_IFDIR | entry.mode, 2, mtime, 0, name)?;
                }
                Kind::Symlink(target) => {
                    let t = target.as_bytes();
                    newc_header(
                        &mut w,
                        ino,
                        S_IFLNK | entry.mode,
                        1,
                        mtime,
                        t.len() as u32,
                        name,
                    )?;
                    w.write_all(t)?;
                    pad4(&mut w)?;
                }
                Kind::File(Source::Bytes(b)) => {
                    let len = u32::try_from(b.len()).context("file over 4 GiB")?;
                    newc_header(&mut w, ino, S_IFREG | entry.mode, 1, mtime, len, name)?;
                    w.write_all(b)?;
                    pad4(&mut w)?;
                }
                Kind::File(Source::Host(host)) => {
                    let mut f = fs::File::open(host)
                        .with_context(|| format!("packing {}", host.display()))?;
                    let size = f.metadata()?.len();
                    let Ok(len) = u32::try_from(size) else {
                        bail!("{}: files over 4 GiB cannot be packed", host.display());
                    };
                    if size >= PAGE_ALIGN_MIN {
                        page_align_next(&mut w, name, mtime)?;
                    }
                    newc_header(&mut w, ino, S_IFREG | entry.mode, 1, mtime, len, name)?;
                    let copied = io::copy(&mut (&mut f).take(size), &mut w)?;
                    if copied != size {
                        bail!("{}: file shrank while it was being packed", host.display());
                    }
                    progress(size);
                    pad4(&mut w)?;
                }
            }
        }
        newc_header(&mut w, 0, 0, 1, 0, 0, "TRAILER!!!")?;
        w.flush()?;
        Ok(())
    }
}

/// Adds a shared library: the file at its real path, and a symlink at the path the loader
/// opens when that differs (merged /usr: /lib -> /usr/lib).
pub fn add_library(pack: &mut Pack, lib: &crate::libs::Library) {
    if let Some(real) = lib.host_file.to_str() {
        if pack.get(real).is_none() {
            pack.file(real, Source::Host(lib.host_file.clone()), 0o755);
        }
        if real != lib.guest_path && pack.get(&lib.guest_path).is_none() {
            pack.symlink(&lib.guest_path, real);
        }
    }
}

/// Host files packed by reference whose name looks like a shared object (`*.so`, `*.so.N`).
pub fn shared_objects(pack: &Pack) -> Vec<PathBuf> {
    pack.entries
        .values()
        .filter_map(|e| match &e.kind {
            Kind::File(Source::Host(h)) => Some(h.clone()),
            _ => None,
        })
        .filter(|h| {
            let n = h.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".so") || n.contains(".so.")
        })
        .collect()
}

/// Adds a host file or directory tree at `guest`: directories recursively, symlinks as
/// symlinks (their targets as written), regular files by reference (read when the archive is
/// written). Other file types (sockets, devices) are skipped.
pub fn include(pack: &mut Pack, host: &Path, guest: &str) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(host)?;
    let mode = meta.permissions().mode() & 0o7777;
    let ft = meta.file_type();
    let mtime = u64::try_from(meta.mtime()).unwrap_or(0);
    if ft.is_symlink() {
        let target = fs::read_link(host)?;
        if let Some(t) = target.to_str() {
            pack.symlink(guest, t);
            pack.set_mtime(guest, mtime);
            pack.host_inputs.push(host.to_path_buf());
        }
    } else if ft.is_dir() {
        pack.dir(guest, mode);
        pack.set_mtime(guest, mtime);
        pack.host_inputs.push(host.to_path_buf());
        let mut entries: Vec<_> = fs::read_dir(host)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            include(
                pack,
                &e.path(),
                &format!("{}/{name}", guest.trim_end_matches('/')),
            )?;
        }
    } else if ft.is_file() {
        pack.file(guest, Source::Host(host.to_path_buf()), mode);
        pack.set_mtime(guest, mtime);
    }
    Ok(())
}

/// A program argument that names a regular file on the host.
pub struct ArgumentFile {
    pub host: PathBuf,
    pub guest: String,
    pub relative: bool,
}

/// The arguments that name existing regular files (not directories: a directory could be the
/// whole home), to pack at their absolute path.
pub fn argument_files(args: &[OsString]) -> Vec<ArgumentFile> {
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    args.iter()
        .filter_map(|a| {
            let p = Path::new(a);
            let meta = fs::metadata(p).ok()?;
            if !meta.is_file() {
                return None;
            }
            let abs = if p.is_absolute() {
                p.to_path_buf()
            } else {
                cwd.join(p)
            };
            let guest = abs.to_str()?.to_string();
            Some(ArgumentFile {
                host: abs,
                guest,
                relative: !p.is_absolute(),
            })
        })
        .collect()
}

/// Files at least this big start on a page boundary of the archive.
const PAGE_ALIGN_MIN: u64 = 4096;
/// The name of the padding entries (removed by the kernel at boot, with the launch record).
pub const PAD_NAME: &str = osprey_proto::PAD_PATH;

/// Writes a padding entry so that the data of the next entry, named `name`, starts on a
/// 4 KiB boundary of the archive. The kernel keeps file contents inside the boot image
/// instead of copying them (osprey-vfs `unpack_static`): aligned, an ELF file can be parsed in
/// place (its headers need 8-byte alignment) and its pages could later be mapped directly.
fn page_align_next<W: Write>(w: &mut Counting<'_, W>, name: &str, mtime: u64) -> io::Result<()> {
    let align4 = |x: u64| (x + 3) & !3;
    let hdr_real = align4(110 + name.len() as u64 + 1);
    let hdr_pad = align4(110 + PAD_NAME.len() as u64 + 1);
    if (w.n + hdr_real) % 4096 == 0 {
        return Ok(());
    }
    // After the pad entry (header + p bytes) the real data must land on a page boundary.
    let p = (4096 - (w.n + hdr_pad + hdr_real) % 4096) % 4096;
    newc_header(
        w,
        0x7fff_fff0,
        S_IFREG | 0o600,
        1,
        mtime,
        p as u32,
        PAD_NAME,
    )?;
    w.write_all(&vec![0u8; p as usize])?;
    pad4(w)
}

/// "/a//b/" → "/a/b", "/a/b/../c" → "/a/c"; always absolute. `..` is taken lexically (a
/// library found through `$ORIGIN/../lib` lands at the real directory's path; the guest's
/// archive reader refuses `..` in names).
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            parts.pop();
        } else {
            parts.push(part);
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Counts bytes written, for the 4-byte padding.
struct Counting<'a, W: Write> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn pad4<W: Write>(w: &mut Counting<'_, W>) -> io::Result<()> {
    let pad = (4 - (w.n % 4) as usize) % 4;
    w.write_all(&[0u8; 3][..pad])
}

/// One newc header: magic 070701, thirteen 8-digit hex fields, the NUL-terminated name, padded.
fn newc_header<W: Write>(
    w: &mut Counting<'_, W>,
    ino: u32,
    mode: u32,
    nlink: u32,
    mtime: u64,
    filesize: u32,
    name: &str,
) -> io::Result<()> {
    let fields = [
        ino,
        mode,
        0,
        /* uid */ 0,
        /* gid */ nlink,
        mtime as u32,
        filesize,
        0, /* devmajor */
        0,
        /* devminor */ 0,
        /* rdevmajor */ 0, /* rdevminor */
        name.len() as u32 + 1,
        0, /* check */
    ];
    let mut h = String::with_capacity(110);
    h.push_str("070701");
    for f in fields {
        h.push_str(&format!("{f:08x}"));
    }
    w.write_all(h.as_bytes())?;
    w.write_all(name.as_bytes())?;
    w.write_all(&[0])?;
    pad4(w)
}

/// The small files every guest gets: enough of /etc for getpwuid, gethostname-style lookups and
/// programs that insist on a writable /tmp and a home directory.
pub fn add_base_files(pack: &mut Pack) {
    let text = |s: &str| Source::Bytes(s.as_bytes().to_vec());
    // Servers switch to these users by name (nginx's `user www-data`, `memcached -u nobody`);
    // in the VM they stay root, but the names must resolve.
    pack.file(
        "/etc/passwd",
        text(
            "root:x:0:0:root:/root:/bin/sh\n\
             www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n\
             nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        ),
        0o644,
    );
    pack.file(
        "/etc/group",
        text("root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n"),
        0o644,
    );
    pack.file(
        "/etc/hosts",
        text("127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tosprey\n"),
        0o644,
    );
    pack.file("/etc/hostname", text("osprey\n"), 0o644);
    pack.dir("/tmp", 0o1777);
    pack.dir("/root", 0o700);
}

/// Everything needed to write the launch record, gathered from the options and the host.
pub struct LaunchInputs<'a> {
    /// The program's guest path.
    pub exe: &'a str,
    /// argv[0], as the user typed the program.
    pub argv0: &'a std::ffi::OsStr,
    pub args: &'a [OsString],
    pub env: Vec<Vec<u8>>,
    pub cwd: &'a str,
    pub flags: u32,
}

/// Builds the launch record: what the kernel runs and how. Reads the host clock and 32 bytes of
/// /dev/urandom (the guest's entropy: it has no RDRAND guarantee and no other source).
pub fn launch_record(inp: LaunchInputs<'_>) -> Result<Launch> {
    let mut seed = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut seed))
        .context("reading /dev/urandom for the guest's random seed")?;
    let realtime_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut argv = vec![inp.argv0.to_os_string().into_vec()];
    argv.extend(inp.args.iter().map(|a| a.clone().into_vec()));
    Ok(Launch {
        flags: inp.flags,
        realtime_ns,
        seed,
        exe: inp.exe.as_bytes().to_vec(),
        cwd: inp.cwd.as_bytes().to_vec(),
        argv,
        envp: inp.env,
    })
}

/// The whole guest file system for `program`: base files, the program (mode 0755 at its guest
/// path, plus a symlink at the path the user typed if that differs), the working directory and
/// the launch record.
#[cfg(test)]
pub fn build(program: &Program, cwd: &str, launch: &Launch) -> Pack {
    let mut pack = base(program);
    add_launch(&mut pack, cwd, launch);
    pack
}

/// The launch record and the working directory: what changes from one run to the next.
pub fn add_launch(pack: &mut Pack, cwd: &str, launch: &Launch) {
    pack.dir(cwd, 0o755);
    pack.file(
        &format!("/{}", osprey_proto::LAUNCH_PATH),
        Source::Bytes(launch.encode()),
        0o400,
    );
}

/// Where `osprey build` records which program an image runs.
pub const IMAGE_MANIFEST: &str = "/.osprey/image";

/// What an image records about its program: `exe=` (guest path) and `argv0=` lines.
pub fn image_manifest(program: &Program) -> Vec<u8> {
    format!(
        "osprey-image 1\nexe={}\nargv0={}\n",
        program.guest_path,
        program.argv0.to_string_lossy()
    )
    .into_bytes()
}

/// Whether the image (an initramfs `osprey build` wrote) holds `name` (no leading slash).
/// Walks the headers only, seeking over file data.
pub fn image_has_file(path: &Path, name: &str) -> Result<bool> {
    use std::io::{Seek, SeekFrom};
    // (`osprey build` writes one archive: its trailer ends the walk.)
    let mut f = io::BufReader::new(fs::File::open(path)?);
    loop {
        let at = f.stream_position()?;
        let mut h = [0u8; 110];
        if f.read_exact(&mut h).is_err() || &h[..6] != b"070701" {
            return Ok(false);
        }
        let field = |i: usize| -> Result<u64> {
            let s = std::str::from_utf8(&h[6 + 8 * i..14 + 8 * i])?;
            Ok(u64::from_str_radix(s, 16)?)
        };
        let (filesize, namesize) = (field(6)?, field(11)?);
        let mut n = vec![0u8; namesize as usize];
        f.read_exact(&mut n)?;
        let n = n.strip_suffix(&[0]).unwrap_or(&n);
        if n == b"TRAILER!!!" {
            return Ok(false);
        }
        if n == name.as_bytes() {
            return Ok(true);
        }
        let data = (at + 110 + namesize).next_multiple_of(4);
        f.seek(SeekFrom::Start(data + filesize.next_multiple_of(4)))?;
    }
}

/// Reads an image's manifest: (guest path of the program, argv[0]). Scans the archive's
/// headers (newc) until the manifest entry, reading only its data.
pub fn read_image_manifest(path: &Path) -> Result<(String, String)> {
    let mut f =
        io::BufReader::new(fs::File::open(path).with_context(|| format!("{}", path.display()))?);
    let mut off = 0u64;
    loop {
        let mut h = [0u8; 110];
        f.read_exact(&mut h)
            .with_context(|| format!("{}: not an osprey image", path.display()))?;
        if &h[..6] != b"070701" {
            bail!("{}: not an osprey image (no newc header)", path.display());
        }
        let field = |i: usize| -> Result<u64> {
            let s = std::str::from_utf8(&h[6 + 8 * i..14 + 8 * i])?;
            Ok(u64::from_str_radix(s, 16)?)
        };
        let (filesize, namesize) = (field(6)?, field(11)?);
        let mut name = vec![0u8; namesize as usize];
        f.read_exact(&mut name)?;
        let head = 110 + namesize;
        let pad = (4 - (off + head) % 4) % 4;
        io::copy(&mut (&mut f).take(pad), &mut io::sink())?;
        let name = String::from_utf8_lossy(name.strip_suffix(&[0]).unwrap_or(&name)).into_owned();
        if name == "TRAILER!!!" {
            bail!("{}: not an osprey image (no manifest)", path.display());
        }
        let dpad = (4 - filesize % 4) % 4;
        if format!("/{name}") == IMAGE_MANIFEST {
            let mut data = vec![0u8; filesize as usize];
            f.read_exact(&mut data)?;
            let text = String::from_utf8_lossy(&data);
            let get = |k: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .map(str::to_string)
            };
            return match (get("exe="), get("argv0=")) {
                (Some(e), Some(a)) => Ok((e, a)),
                _ => bail!("{}: the image's manifest is incomplete", path.display()),
            };
        }
        io::copy(&mut (&mut f).take(filesize + dpad), &mut io::sink())?;
        off += head + pad + filesize + dpad;
    }
}

/// Everything about the program that does not change between runs: base files, the program
/// (mode 0755 at its guest path, plus a symlink at the typed path if that differs), its
/// loader and libraries.
pub fn base(program: &Program) -> Pack {
    let mut pack = Pack::new();
    add_base_files(&mut pack);
    pack.file(
        &program.guest_path,
        Source::Host(program.host_path.clone()),
        0o755,
    );
    if let Some(typed) = &program.typed_abs_path {
        pack.symlink(typed, &program.guest_path);
    }
    // A dynamic program's loader and libraries: each file at its real path, and a symlink at
    // the path the loader opens when that differs (merged /usr: /lib -> /usr/lib).
    for lib in &program.libs {
        add_library(&mut pack, lib);
    }
    // The loader's cache: with it, ld.so opens each library where the host's cache says (the
    // paths packed above) instead of probing a dozen hwcaps directories first.
    let cache = Path::new("/etc/ld.so.cache");
    if !program.libs.is_empty() && cache.is_file() {
        pack.file("/etc/ld.so.cache", Source::Host(cache.to_path_buf()), 0o644);
    }
    pack
}

/// Tells which launch flags describe the host's stdio.
pub fn tty_flags(stdin: bool, stdout: bool, stderr: bool) -> u32 {
    (if stdin { launch::flags::STDIN_TTY } else { 0 })
        | (if stdout { launch::flags::STDOUT_TTY } else { 0 })
        | (if stderr { launch::flags::STDERR_TTY } else { 0 })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::program::Linking;

    /// A parsed newc entry: (name, mode, data).
    pub(crate) fn parse_newc(mut b: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
        let total = b.len();
        let mut out = Vec::new();
        loop {
            assert_eq!((total - b.len()) % 4, 0, "header not 4-aligned");
            assert_eq!(&b[..6], b"070701");
            let field = |i: usize| {
                u32::from_str_radix(std::str::from_utf8(&b[6 + i * 8..14 + i * 8]).unwrap(), 16)
                    .unwrap()
            };
            let mode = field(1);
            let size = field(6) as usize;
            let namesize = field(11) as usize;
            let name = std::str::from_utf8(&b[110..110 + namesize - 1])
                .unwrap()
                .to_string();
            assert_eq!(b[110 + namesize - 1], 0);
            let data_at = (110 + namesize + 3) & !3;
            let data = b[data_at..data_at + size].to_vec();
            b = &b[(data_at + size + 3) & !3..];
            if name == "TRAILER!!!" {
                assert!(b.is_empty());
                return out;
            }
            out.push((name, mode, data));
        }
    }

    fn program(host: &Path) -> Program {
        Program {
            host_path: host.to_path_buf(),
            guest_path: "/opt/app/prog".into(),
            typed_abs_path: Some("/bin/prog".into()),
            argv0: "prog".into(),
            linking: Linking::Static,
            libs: Vec::new(),
        }
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean("/a//b/"), "/a/b");
        assert_eq!(clean("a/./b"), "/a/b");
        assert_eq!(clean("/"), "/");
        assert_eq!(clean(""), "/");
        assert_eq!(
            clean("/usr/lib/jvm/x/bin/../lib/libjli.so"),
            "/usr/lib/jvm/x/lib/libjli.so"
        );
        assert_eq!(clean("/../a"), "/a");
    }

    #[test]
    fn big_files_start_on_a_page_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let mut pack = Pack::new();
        // Contents that cannot be found inside one another: a different LCG stream per file.
        let data_of = |i: usize, size: usize| -> Vec<u8> {
            let mut x =
                0x9e37_79b9_7f4a_7c15u64 ^ (i as u64 + 1).wrapping_mul(0xd1b5_4a32_d192_ed03);
            (0..size)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (x >> 56) as u8
                })
                .collect()
        };
        for (i, size) in [5000usize, 4096, 70_001].iter().enumerate() {
            let host = dir.path().join(format!("f{i}"));
            let data = data_of(i, *size);
            std::fs::write(&host, &data).unwrap();
            pack.file(&format!("/some/where/file-{i}"), Source::Host(host), 0o755);
        }
        let mut out = Vec::new();
        pack.write_newc(&mut out).unwrap();
        for (i, size) in [5000usize, 4096, 70_001].iter().enumerate() {
            let data = data_of(i, *size);
            let at = out
                .windows(data.len())
                .position(|w| w == &data[..])
                .unwrap();
            assert_eq!(at % 4096, 0, "file {i} data at {at}");
        }
        let names: Vec<String> = parse_newc(&out).into_iter().map(|e| e.0).collect();
        assert!(names.iter().any(|n| n == PAD_NAME));
    }

    #[test]
    fn image_file_lookup_walks_the_headers() {
        let d = tempfile::tempdir().unwrap();
        let host = d.path().join("prog");
        fs::write(&host, vec![7u8; 10_000]).unwrap();
        let pack = base(&program(&host));
        let img = d.path().join("img");
        let mut bytes = Vec::new();
        pack.write_newc(&mut bytes).unwrap();
        fs::write(&img, &bytes).unwrap();
        assert!(image_has_file(&img, "etc/hosts").unwrap());
        assert!(image_has_file(&img, "opt/app/prog").unwrap());
        assert!(!image_has_file(&img, "etc/resolv.conf").unwrap());
    }

    #[test]
    fn archive_round_trips() {
        let d = tempfile::tempdir().unwrap();
        let host = d.path().join("prog");
        fs::write(&host, b"\x7fELF-five").unwrap();
        let p = program(&host);
        let args = [OsString::from("a b"), OsString::from("-x")];
        let launch = launch_record(LaunchInputs {
            exe: &p.guest_path,
            argv0: &p.argv0,
            args: &args,
            env: vec![b"A=1".to_vec()],
            cwd: "/work/dir",
            flags: launch::flags::STRACE,
        })
        .unwrap();
        assert_eq!(launch.argv, [&b"prog"[..], b"a b", b"-x"]);
        assert_eq!(launch.exe, b"/opt/app/prog");
        assert_ne!(launch.seed, [0; 32]);
        let pack = build(&p, "/work/dir", &launch);
        assert_eq!(pack.host_file("/opt/app/prog"), Some(host.as_path()));
        assert_eq!(pack.host_file("/etc/passwd"), None);
        let mut bytes = Vec::new();
        pack.write_newc(&mut bytes).unwrap();
        let entries = parse_newc(&bytes);
        let find = |n: &str| {
            entries
                .iter()
                .find(|e| e.0 == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        assert_eq!(find("opt/app/prog").2, b"\x7fELF-five");
        assert_eq!(find("opt/app/prog").1, S_IFREG | 0o755);
        assert_eq!(find("opt").1, S_IFDIR | 0o755);
        assert_eq!(find("bin/prog").1, S_IFLNK | 0o777);
        assert_eq!(find("bin/prog").2, b"/opt/app/prog");
        assert_eq!(find("tmp").1, S_IFDIR | 0o1777);
        assert_eq!(find("root").1 & S_IFDIR, S_IFDIR);
        assert_eq!(find("work/dir").1 & S_IFDIR, S_IFDIR);
        let passwd = String::from_utf8_lossy(&find("etc/passwd").2).into_owned();
        assert!(
            passwd.starts_with("root:x:0:0:root:/root:/bin/sh\n"),
            "{passwd}"
        );
        assert!(passwd.contains("\nwww-data:x:33:33:"), "{passwd}");
        assert!(String::from_utf8_lossy(&find("etc/hosts").2).contains("127.0.1.1\tosprey"));
        assert_eq!(find("etc/hostname").2, b"osprey\n");
        assert_eq!(Launch::decode(&find(".osprey/launch").2).unwrap(), launch);
        // Parents always precede children.
        for (i, (name, _, _)) in entries.iter().enumerate() {
            if let Some((parent, _)) = name.rsplit_once('/') {
                let pi = entries.iter().position(|e| e.0 == parent).unwrap();
                assert!(pi < i, "{parent} after {name}");
            }
        }
    }

    #[test]
    fn host_cpio_tool_agrees() {
        // Cross-check with GNU cpio when it is installed.
        if std::process::Command::new("cpio")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("cpio not installed: skipping");
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let mut pack = Pack::new();
        add_base_files(&mut pack);
        pack.file("/x/y/odd", Source::Bytes(b"12345".to_vec()), 0o600);
        let mut bytes = Vec::new();
        pack.write_newc(&mut bytes).unwrap();
        let out = d.path().join("root");
        fs::create_dir(&out).unwrap();
        let mut child = std::process::Command::new("cpio")
            .args(["-i", "-d", "--quiet", "--no-absolute-filenames"])
            .current_dir(&out)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(fs::read(out.join("x/y/odd")).unwrap(), b"12345");
        assert_eq!(fs::read(out.join("etc/hostname")).unwrap(), b"osprey\n");
    }

    #[test]
    fn later_entries_replace_files_but_not_dirs() {
        let mut pack = Pack::new();
        pack.dir("/a", 0o700);
        pack.file("/a/b", Source::Bytes(vec![1]), 0o644);
        pack.dir("/a", 0o755); // kept as 0700
        pack.file("/a/b", Source::Bytes(vec![2]), 0o644);
        assert_eq!(pack.get("/a").unwrap().mode, 0o700);
        assert_eq!(
            pack.get("/a/b").unwrap().kind,
            Kind::File(Source::Bytes(vec![2]))
        );
    }
}
