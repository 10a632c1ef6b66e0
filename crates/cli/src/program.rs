//! Finding the program the user named and deciding, before any VM boots, whether we can run it.
//!
//! The checks read the ELF header and program headers by hand: the messages must say exactly
//! what is wrong (32-bit, another architecture, a shared library, a dynamic executable), which
//! a generic "not an ELF" from a parser would not.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// Why a program cannot be run. The `Display` is the one line osprey prints (after "osprey: ").
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProgramError {
    #[error("{0}: no such file")]
    NotFound(String),
    #[error("{0}: not found in PATH")]
    NotInPath(String),
    #[error("{0}: is a directory")]
    IsDirectory(String),
    #[error("{0}: not executable (no x permission bit; chmod +x it)")]
    NotExecutable(String),
    #[error("{0}: cannot read: {1}")]
    Unreadable(String, String),
    #[error("{0}: not an ELF executable ({1})")]
    NotElf(String, &'static str),
    #[error("{0}: is a 32-bit ELF; osprey runs x86_64 (64-bit) programs only")]
    Elf32(String),
    #[error("{0}: is a big-endian ELF; osprey runs x86_64 programs only")]
    BigEndian(String),
    #[error("{0}: is an ELF for {1}, not x86_64")]
    WrongMachine(String, String),
    #[error("{0}: is a shared library (no entry point), not an executable")]
    SharedLibrary(String),
    #[error("{0}: is an ELF {1}, not an executable")]
    NotExecutableElf(String, &'static str),
    #[error("{0}: truncated or corrupt ELF ({1})")]
    Corrupt(String, &'static str),
    #[error("{0}: its loader {1} is not on this machine")]
    NoLoader(String, String),
    #[error(transparent)]
    Libs(#[from] crate::libs::LibsError),
}

/// How the executable is linked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Linking {
    /// ET_EXEC without an interpreter: loaded at its link address.
    Static,
    /// ET_DYN without an interpreter: self-relocating, loaded anywhere.
    StaticPie,
    /// Has PT_INTERP (the path of the dynamic loader): the loader and the libraries it will
    /// map are packed too.
    Dynamic { interp: Vec<u8> },
}

/// A program ready to pack.
#[derive(Clone, Debug)]
pub struct Program {
    /// The file on the host, symlinks resolved.
    pub host_path: PathBuf,
    /// Where it lives in the guest: its canonical absolute host path, so that /proc/self/exe
    /// reads as it would on the host.
    pub guest_path: String,
    /// The absolute path as typed (symlinks not resolved), when it differs from `guest_path`:
    /// packed as a symlink so the typed path works in the guest too (/bin/busybox on a
    /// merged-/usr host whose file is /usr/bin/busybox).
    pub typed_abs_path: Option<String>,
    /// What the user typed: becomes argv[0], as a shell would pass it.
    pub argv0: OsString,
    pub linking: Linking,
    /// For a dynamic program: its loader and libraries.
    pub libs: Vec<crate::libs::Library>,
}

/// Finds `name` like a shell: a name with a slash is a path; a bare name is looked up in each
/// directory of `path_var` (an empty entry means the current directory).
pub fn find(name: &OsStr, path_var: Option<&OsStr>, cwd: &Path) -> Result<PathBuf, ProgramError> {
    let shown = name.to_string_lossy().into_owned();
    if name.as_bytes().contains(&b'/') {
        let p = cwd.join(name);
        return match fs::metadata(&p) {
            Ok(_) => Ok(p),
            Err(_) => Err(ProgramError::NotFound(shown)),
        };
    }
    if name.is_empty() {
        return Err(ProgramError::NotFound(shown));
    }
    let path_var = path_var
        .map(OsStr::as_bytes)
        .unwrap_or(b"/usr/local/bin:/usr/bin:/bin");
    for dir in path_var.split(|&b| b == b':') {
        let dir = if dir.is_empty() {
            cwd.to_path_buf()
        } else {
            cwd.join(OsStr::from_bytes(dir))
        };
        let cand = dir.join(name);
        if let Ok(m) = fs::metadata(&cand) {
            if m.is_file() && m.permissions().mode() & 0o111 != 0 {
                return Ok(cand);
            }
        }
    }
    Err(ProgramError::NotInPath(shown))
}

/// Finds the program, checks that osprey can run it, and works out its guest path.
pub fn resolve(
    name: &OsStr,
    path_var: Option<&OsStr>,
    cwd: &Path,
) -> Result<Program, ProgramError> {
    let shown = name.to_string_lossy().into_owned();
    let found = find(name, path_var, cwd)?;
    let meta = fs::metadata(&found).map_err(|_| ProgramError::NotFound(shown.clone()))?;
    if meta.is_dir() {
        return Err(ProgramError::IsDirectory(shown));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(ProgramError::NotExecutable(shown));
    }
    let host_path = fs::canonicalize(&found)
        .map_err(|e| ProgramError::Unreadable(shown.clone(), e.to_string()))?;
    let linking = check_elf(&host_path, &shown)?;
    let guest_path = host_path
        .to_str()
        .ok_or_else(|| ProgramError::Unreadable(shown.clone(), "path is not UTF-8".into()))?
        .to_string();
    let typed = normalize(&found);
    let typed_abs_path = typed
        .to_str()
        .filter(|t| *t != guest_path)
        .map(str::to_string);
    let libs = match &linking {
        Linking::Dynamic { interp } => {
            let interp = String::from_utf8_lossy(interp).into_owned();
            if !Path::new(&interp).is_file() {
                return Err(ProgramError::NoLoader(shown, interp));
            }
            crate::libs::resolve(&shown, &host_path, &interp)?
        }
        _ => Vec::new(),
    };
    Ok(Program {
        host_path,
        guest_path,
        typed_abs_path,
        argv0: name.to_os_string(),
        linking,
        libs,
    })
}

/// Removes `.` components and resolves `..` lexically (only used for the cosmetic typed-path
/// symlink; the file itself is found through the real, canonical path).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

const ET_REL: u16 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const ET_CORE: u16 = 4;
const EM_X86_64: u16 = 62;
const PT_INTERP: u32 = 3;

fn machine_name(m: u16) -> String {
    match m {
        2 => "SPARC".into(),
        3 => "i386".into(),
        8 => "MIPS".into(),
        20 => "PowerPC".into(),
        21 => "PowerPC64".into(),
        22 => "s390".into(),
        40 => "ARM".into(),
        43 => "SPARC64".into(),
        50 => "IA-64".into(),
        183 => "aarch64".into(),
        243 => "RISC-V".into(),
        258 => "LoongArch".into(),
        other => format!("machine type {other}"),
    }
}

/// Checks that `path` is an x86_64 ELF executable and tells how it is linked.
pub fn check_elf(path: &Path, shown: &str) -> Result<Linking, ProgramError> {
    let s = || shown.to_string();
    let mut f = fs::File::open(path).map_err(|e| ProgramError::Unreadable(s(), e.to_string()))?;
    // The header and program headers sit at the start of any sane ELF; 64 KiB covers them.
    let mut head = Vec::new();
    (&mut f)
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| ProgramError::Unreadable(s(), e.to_string()))?;
    if head.len() < 4 || &head[..4] != b"\x7fELF" {
        let why = if head.starts_with(b"#!") {
            "a script: osprey runs ELF programs; run its interpreter instead"
        } else if head.is_empty() {
            "an empty file"
        } else {
            "no ELF magic"
        };
        return Err(ProgramError::NotElf(s(), why));
    }
    if head.len() < 64 {
        return Err(ProgramError::Corrupt(s(), "short header"));
    }
    match head[4] {
        1 => return Err(ProgramError::Elf32(s())),
        2 => {}
        _ => return Err(ProgramError::Corrupt(s(), "bad ELF class")),
    }
    if head[5] != 1 {
        return Err(ProgramError::BigEndian(s()));
    }
    let u16_at = |o: usize| u16::from_le_bytes([head[o], head[o + 1]]);
    let u64_at = |o: usize| u64::from_le_bytes(head[o..o + 8].try_into().unwrap());
    let e_type = u16_at(16);
    let e_machine = u16_at(18);
    if e_machine != EM_X86_64 {
        return Err(ProgramError::WrongMachine(s(), machine_name(e_machine)));
    }
    match e_type {
        ET_EXEC | ET_DYN => {}
        ET_REL => {
            return Err(ProgramError::NotExecutableElf(
                s(),
                "object file (.o), not linked",
            ))
        }
        ET_CORE => return Err(ProgramError::NotExecutableElf(s(), "core dump")),
        _ => return Err(ProgramError::NotExecutableElf(s(), "file of unknown type")),
    }
    let e_entry = u64_at(24);
    let e_phoff = u64_at(32) as usize;
    let e_phentsize = u16_at(54) as usize;
    let e_phnum = u16_at(56) as usize;
    if e_phentsize < 56 || e_phnum == 0 {
        return Err(ProgramError::Corrupt(s(), "no program headers"));
    }
    let ph_end = e_phoff
        .checked_add(e_phnum * e_phentsize)
        .filter(|&end| end <= head.len())
        .ok_or(ProgramError::Corrupt(s(), "program headers out of reach"))?;
    let _ = ph_end;
    let mut interp = None;
    for i in 0..e_phnum {
        let ph = e_phoff + i * e_phentsize;
        let p_type = u32::from_le_bytes(head[ph..ph + 4].try_into().unwrap());
        if p_type == PT_INTERP {
            let off = u64_at(ph + 8);
            let size = u64_at(ph + 32).min(4096);
            let mut name = vec![0u8; size as usize];
            use std::io::{Seek, SeekFrom};
            f.seek(SeekFrom::Start(off))
                .and_then(|_| f.read_exact(&mut name))
                .map_err(|_| ProgramError::Corrupt(s(), "PT_INTERP out of the file"))?;
            while name.last() == Some(&0) {
                name.pop();
            }
            interp = Some(name);
        }
    }
    match (e_type, interp) {
        (_, Some(interp)) => Ok(Linking::Dynamic { interp }),
        (ET_EXEC, None) => Ok(Linking::Static),
        // A shared object without an interpreter or an entry point is a library; with an entry
        // point it is a static-pie.
        (_, None) if e_entry == 0 => Err(ProgramError::SharedLibrary(s())),
        (_, None) => Ok(Linking::StaticPie),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::process::Command;

    /// Compiles `src` (C) with gcc and `flags` into `dir/name`; None when gcc is missing (the
    /// tests that need it then pass vacuously, saying so).
    pub(crate) fn gcc(dir: &Path, name: &str, src: &str, flags: &[&str]) -> Option<PathBuf> {
        let c = dir.join(format!("{name}.c"));
        fs::write(&c, src).unwrap();
        let out = dir.join(name);
        let st = Command::new("gcc")
            .args(flags)
            .arg("-o")
            .arg(&out)
            .arg(&c)
            .status();
        match st {
            Ok(st) if st.success() => Some(out),
            Ok(st) => panic!("gcc {flags:?} failed: {st}"),
            Err(_) => {
                eprintln!("gcc not available: skipping");
                None
            }
        }
    }

    const HELLO: &str = "int main(void) { return 7; }\n";

    #[test]
    fn static_and_static_pie_are_accepted() {
        let d = tempfile::tempdir().unwrap();
        let Some(st) = gcc(d.path(), "st", HELLO, &["-static", "-no-pie"]) else {
            return;
        };
        assert_eq!(check_elf(&st, "st"), Ok(Linking::Static));
        let spie = gcc(d.path(), "spie", HELLO, &["-static-pie"]).unwrap();
        assert_eq!(check_elf(&spie, "spie"), Ok(Linking::StaticPie));
        let p = resolve(OsStr::new("./spie"), None, d.path()).unwrap();
        assert_eq!(p.argv0, "./spie");
        assert_eq!(p.host_path, fs::canonicalize(&spie).unwrap());
        assert_eq!(p.guest_path, p.host_path.to_str().unwrap());
    }

    #[test]
    fn dynamic_programs_bring_their_libraries_and_libraries_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let Some(dy) = gcc(d.path(), "dy", HELLO, &[]) else {
            return;
        };
        match check_elf(&dy, "dy") {
            Ok(Linking::Dynamic { interp }) => assert!(interp.starts_with(b"/lib")),
            other => panic!("{other:?}"),
        }
        let p = resolve(OsStr::new("./dy"), None, d.path()).unwrap();
        assert!(
            p.libs.iter().any(|l| l.guest_path.ends_with("/libc.so.6")),
            "{:?}",
            p.libs
        );

        let so = gcc(
            d.path(),
            "lib.so",
            "int f(void) { return 1; }\n",
            &["-shared", "-fPIC"],
        )
        .unwrap();
        fs::set_permissions(&so, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            check_elf(&so, "lib.so"),
            Err(ProgramError::SharedLibrary("lib.so".into()))
        );

        let obj = d.path().join("o.o");
        let c = d.path().join("o.c");
        fs::write(&c, HELLO).unwrap();
        assert!(Command::new("gcc")
            .arg("-c")
            .arg("-o")
            .arg(&obj)
            .arg(&c)
            .status()
            .unwrap()
            .success());
        assert!(matches!(
            check_elf(&obj, "o.o"),
            Err(ProgramError::NotExecutableElf(..))
        ));
    }

    /// A minimal ELF header with the given class, data encoding, and machine.
    fn fake_elf(class: u8, data: u8, machine: u16) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = class;
        h[5] = data;
        h[6] = 1;
        h[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
        h[18..20].copy_from_slice(&machine.to_le_bytes());
        h
    }

    #[test]
    fn foreign_files_are_refused_with_the_reason() {
        let d = tempfile::tempdir().unwrap();
        let w = |name: &str, bytes: &[u8]| {
            let p = d.path().join(name);
            fs::write(&p, bytes).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
            p
        };
        let t = w("text", b"hello world\n");
        assert_eq!(
            check_elf(&t, "text"),
            Err(ProgramError::NotElf("text".into(), "no ELF magic"))
        );
        let sh = w("script", b"#!/bin/sh\necho hi\n");
        assert!(check_elf(&sh, "script")
            .unwrap_err()
            .to_string()
            .contains("a script"));
        let e = w("empty", b"");
        assert!(check_elf(&e, "empty")
            .unwrap_err()
            .to_string()
            .contains("empty file"));
        let a = w("arm", &fake_elf(2, 1, 183));
        assert_eq!(
            check_elf(&a, "arm").unwrap_err().to_string(),
            "arm: is an ELF for aarch64, not x86_64"
        );
        let x = w("x32", &fake_elf(1, 1, 3));
        assert_eq!(
            check_elf(&x, "x32").unwrap_err().to_string(),
            "x32: is a 32-bit ELF; osprey runs x86_64 (64-bit) programs only"
        );
        let be = w("be", &fake_elf(2, 2, 62));
        assert_eq!(
            check_elf(&be, "be"),
            Err(ProgramError::BigEndian("be".into()))
        );
        let trunc = w("trunc", &fake_elf(2, 1, 62));
        assert!(matches!(
            check_elf(&trunc, "trunc"),
            Err(ProgramError::Corrupt(..))
        ));
        // Also through resolve(): the refusal names what the user typed.
        let e = resolve(OsStr::new("./text"), None, d.path()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "./text: not an ELF executable (no ELF magic)"
        );
    }

    #[test]
    fn missing_directory_and_permissions() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            resolve(OsStr::new("./x"), None, d.path())
                .unwrap_err()
                .to_string(),
            "./x: no such file"
        );
        fs::create_dir(d.path().join("dir")).unwrap();
        assert_eq!(
            resolve(OsStr::new("./dir"), None, d.path()).unwrap_err(),
            ProgramError::IsDirectory("./dir".into())
        );
        fs::write(d.path().join("noexec"), b"\x7fELF").unwrap();
        fs::set_permissions(d.path().join("noexec"), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            resolve(OsStr::new("./noexec"), None, d.path()),
            Err(ProgramError::NotExecutable(_))
        ));
    }

    #[test]
    fn path_lookup_like_a_shell() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("b");
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        let mk = |p: PathBuf, mode| {
            fs::write(&p, b"x").unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        };
        mk(a.join("tool"), 0o644); // not executable: skipped
        mk(b.join("tool"), 0o755);
        mk(a.join("first"), 0o755);
        mk(b.join("first"), 0o755);
        let path = format!("{}:{}", a.display(), b.display());
        let path = Some(OsStr::new(&path));
        assert_eq!(
            find(OsStr::new("tool"), path, d.path()).unwrap(),
            b.join("tool")
        );
        assert_eq!(
            find(OsStr::new("first"), path, d.path()).unwrap(),
            a.join("first")
        );
        assert_eq!(
            find(OsStr::new("nope"), path, d.path())
                .unwrap_err()
                .to_string(),
            "nope: not found in PATH"
        );
        // A relative PATH entry and the empty entry (= cwd).
        assert_eq!(
            find(OsStr::new("tool"), Some(OsStr::new("b")), d.path()).unwrap(),
            b.join("tool")
        );
        mk(d.path().join("here"), 0o755);
        assert_eq!(
            find(
                OsStr::new("here"),
                Some(OsStr::new(":/nonexistent")),
                d.path()
            )
            .unwrap(),
            d.path().join("here")
        );
        // A name with a slash is never looked up in PATH.
        assert!(find(OsStr::new("x/tool"), path, d.path()).is_err());
    }

    #[test]
    fn typed_path_is_kept_when_it_differs_from_the_canonical_one() {
        let d = tempfile::tempdir().unwrap();
        let Some(st) = gcc(d.path(), "real", HELLO, &["-static"]) else {
            return;
        };
        std::os::unix::fs::symlink(&st, d.path().join("link")).unwrap();
        let p = resolve(OsStr::new("./link"), None, d.path()).unwrap();
        assert_eq!(p.host_path, fs::canonicalize(&st).unwrap());
        assert_eq!(p.typed_abs_path.as_deref(), d.path().join("link").to_str());
        let p = resolve(
            OsStr::new("real"),
            Some(d.path().as_os_str()),
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(p.argv0, "real");
    }
}
