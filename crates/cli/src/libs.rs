//! The shared libraries a dynamic program needs, found the way its loader finds them.
//!
//! We ask the program's own loader (`PT_INTERP --list PROG`, what `ldd` does): it applies
//! DT_NEEDED, DT_RUNPATH/DT_RPATH, `$ORIGIN`, LD_LIBRARY_PATH and ld.so.cache exactly as it
//! will at run time, so the set we pack is the set the guest's ld.so will look for. The loader
//! only maps the libraries for the listing; the program itself does not run.
//!
//! This is the first step of issue 3: data files (python's stdlib, locales) and a
//! self-contained resolver that works without running the host's loader come with it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One object the loader maps: the path it opens (what the guest must have) and the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    pub guest_path: String,
    pub host_file: PathBuf,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LibsError {
    #[error("{0}: needs {1}, which is not on this machine (the loader cannot find it)")]
    Missing(String, String),
    #[error("{0}: its loader {1} could not list its libraries: {2}")]
    Loader(String, String, String),
}

/// Parses `ld.so --list` output: `\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)`,
/// `\t/lib64/ld-linux-x86-64.so.2 (0x...)`, `\tlinux-vdso.so.1 (0x...)` (no file: the kernel's),
/// `\tlibfoo.so => not found`.
fn parse_listing(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, rest) = match line.split_once(" => ") {
            Some((n, r)) => (n, r),
            None => (line, line),
        };
        if rest.starts_with("not found") {
            return Err(name.to_string());
        }
        let path = rest.split(" (0x").next().unwrap_or(rest).trim();
        if path.starts_with('/') {
            out.push(path.to_string());
        }
    }
    Ok(out)
}

/// The libraries (and the loader) the program at `prog` needs.
pub fn resolve(shown: &str, prog: &Path, interp: &str) -> Result<Vec<Library>, LibsError> {
    let out = Command::new(interp)
        .arg("--list")
        .arg(prog)
        .output()
        .map_err(|e| LibsError::Loader(shown.into(), interp.into(), e.to_string()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let paths = parse_listing(&text).map_err(|name| LibsError::Missing(shown.into(), name))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        // "prog: error while loading shared libraries: libx.so: cannot open shared object file"
        if let Some(rest) = err.split("error while loading shared libraries: ").nth(1) {
            let name = rest.split(':').next().unwrap_or(rest).trim();
            return Err(LibsError::Missing(shown.into(), name.to_string()));
        }
        return Err(LibsError::Loader(shown.into(), interp.into(), err));
    }
    let mut libs = Vec::new();
    for p in paths.into_iter().chain([interp.to_string()]) {
        let host_file =
            std::fs::canonicalize(&p).map_err(|_| LibsError::Missing(shown.into(), p.clone()))?;
        let lib = Library {
            guest_path: p,
            host_file,
        };
        if !libs.contains(&lib) {
            libs.push(lib);
        }
    }
    Ok(libs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_loader_listing() {
        let text = "\tlinux-vdso.so.1 (0x00007ffd5a9f2000)\n\
                    \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2b0a000000)\n\
                    \t/lib64/ld-linux-x86-64.so.2 (0x00007f2b0a3f0000)\n";
        assert_eq!(
            parse_listing(text).unwrap(),
            [
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2"
            ]
        );
        assert_eq!(
            parse_listing("\tlibnope.so.1 => not found\n").unwrap_err(),
            "libnope.so.1"
        );
    }

    #[test]
    fn the_hosts_own_programs_resolve() {
        let interp = "/lib64/ld-linux-x86-64.so.2";
        if !Path::new(interp).exists() {
            return;
        }
        let libs = resolve("ls", Path::new("/bin/ls"), interp).unwrap();
        assert!(
            libs.iter().any(|l| l.guest_path.ends_with("/libc.so.6")),
            "{libs:?}"
        );
        assert!(libs.iter().any(|l| l.guest_path == interp), "{libs:?}");
        assert!(libs.iter().all(|l| l.host_file.is_file()));
    }
}

/// The libraries needed by the shared objects packed as data (a runtime's extension modules),
/// which the program's own listing does not include: each is listed by the loader in turn.
pub fn for_included(pack: &crate::pack::Pack, interp: &str) -> Result<Vec<Library>, LibsError> {
    // (Result kept for symmetry with `resolve`; today nothing here refuses.)
    let mut all: Vec<Library> = Vec::new();
    for so in crate::pack::shared_objects(pack) {
        let shown = so.display().to_string();
        // Not every *.so file is an ELF library (linker scripts, data), and an extension module
        // whose library is not installed fails at import time on the host too (Python raises
        // ImportError): both are skipped rather than refusing the program.
        if let Ok(libs) = resolve(&shown, &so, interp) {
            for l in libs {
                if !all.contains(&l) {
                    all.push(l);
                }
            }
        }
    }
    Ok(all)
}
