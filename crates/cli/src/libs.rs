//! The shared libraries a dynamic program needs, found the way glibc's loader (Debian's ld.so)
//! will find them in the guest, without running anything of the host's.
//!
//! Why not ask the host's loader (`ld.so --list`, what `ldd` does)? It executes the host's
//! ld.so on the program (a process per program and per extension module: ~70 for python3's
//! lib-dynload, most of the packing time), it cannot say which object needed a missing
//! library, and it only works when the program's PT_INTERP exists and runs here. Reading
//! the ELF files is fast, portable and explains itself.
//!
//! The rules (glibc 2.36, elf/dl-load.c `_dl_map_object`), applied breadth-first from the
//! program, the loader's own order:
//! * a name already loaded (its path or its DT_SONAME; the loader itself is loaded first) is
//!   not looked up again;
//! * a name with a `/` is a path, used as it is;
//! * otherwise the directories of DT_RPATH of the object that needs it and of every object
//!   that (transitively) loaded it, only while that object has no DT_RUNPATH; then
//!   DT_RUNPATH of the object itself; then /etc/ld.so.cache (or, without one, the
//!   ld.so.conf directories); then the system directories. `$ORIGIN`, `$LIB` and `$PLATFORM`
//!   in RPATH/RUNPATH expand as on Debian (`lib/x86_64-linux-gnu`, `x86_64`).
//! * in a directory, a file that is not an x86_64 ELF64 (a 32-bit library, a linker script)
//!   is skipped and the search goes on, as ld.so does.
//!
//! Not modelled: LD_LIBRARY_PATH and LD_PRELOAD (the guest's environment is not the
//! host's), and glibc-hwcaps subdirectories (Debian ships none; ld.so.cache entries for
//! them are skipped, so the baseline library is packed).
//!
//! A program whose loader is musl's (`/lib/ld-musl-x86_64.so.1`, as `musl-gcc` links) follows
//! musl's rules instead (ldso/dynlink.c `load_library`): libc and its reserved names
//! (`libc.so`, `libm.so`, `libpthread.so`, ...) are the loader itself; DT_RUNPATH (else
//! DT_RPATH) of the needing object and of every object up its chain; then the directories of
//! `/etc/ld-musl-x86_64.path`, else `/lib:/usr/local/lib:/usr/lib`. No cache.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::{Endianness, ReadCache, ReadRef};

/// One object the loader maps: the path it opens (what the guest must have) and the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    pub guest_path: String,
    pub host_file: PathBuf,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LibsError {
    /// (program, library, the object whose DT_NEEDED names it)
    #[error("{0}: needs {1} (a DT_NEEDED of {2}), which is not on this machine ({3})")]
    Missing(String, String, String, String),
    #[error("{0}: cannot read {1}: {2}")]
    Unreadable(String, String, String),
}

/// What the loader reads from an object's dynamic section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DynamicInfo {
    pub needed: Vec<String>,
    pub soname: Option<String>,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
}

/// Whether `path` is an ELF64 little-endian x86_64 file, and its dynamic section if so.
/// `Ok(None)`: not such a file (the loader skips it). Reads only the headers and the strings.
pub fn read_dynamic(path: &Path) -> std::io::Result<Option<DynamicInfo>> {
    let file = fs::File::open(path)?;
    let cache = ReadCache::new(file);
    let data = &cache;
    let Ok(header) = elf::FileHeader64::<Endianness>::parse(data) else {
        return Ok(None);
    };
    let Ok(endian) = header.endian() else {
        return Ok(None);
    };
    if endian != Endianness::Little || header.e_machine(endian) != elf::EM_X86_64 {
        return Ok(None);
    }
    let Ok(phdrs) = header.program_headers(endian, data) else {
        return Ok(None);
    };
    let mut info = DynamicInfo::default();
    let Some(dynamic) = phdrs
        .iter()
        .find_map(|ph| ph.dynamic(endian, data).ok().flatten())
    else {
        // No dynamic section: a static object needs nothing.
        return Ok(Some(info));
    };
    // DT_STRTAB is a virtual address: find its bytes through the PT_LOAD segments.
    let to_offset = |vaddr: u64| {
        phdrs.iter().find_map(|ph| {
            let (va, sz) = (ph.p_vaddr(endian), ph.p_filesz(endian));
            (ph.p_type(endian) == elf::PT_LOAD && vaddr >= va && vaddr < va + sz)
                .then(|| ph.p_offset(endian) + (vaddr - va))
        })
    };
    let (mut strtab, mut strsz) = (None, 0u64);
    for d in dynamic {
        match d.d_tag(endian) as u32 {
            elf::DT_STRTAB => strtab = to_offset(d.d_val(endian)),
            elf::DT_STRSZ => strsz = d.d_val(endian),
            _ => {}
        }
    }
    let Some(strtab) = strtab else {
        return Ok(Some(info));
    };
    let string = |off: u64| -> Option<String> {
        if off >= strsz {
            return None;
        }
        data.read_bytes_at_until(strtab + off..strtab + strsz, 0)
            .ok()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    for d in dynamic {
        let tag = d.d_tag(endian);
        if tag == u64::from(elf::DT_NULL) {
            break;
        }
        let val = d.d_val(endian);
        match tag as u32 {
            elf::DT_NEEDED => info.needed.extend(string(val)),
            elf::DT_SONAME => info.soname = string(val),
            elf::DT_RPATH => info.rpath = string(val),
            elf::DT_RUNPATH => info.runpath = string(val),
            _ => {}
        }
    }
    Ok(Some(info))
}

/// `$LIB` and `$PLATFORM` as Debian's x86_64 ld.so expands them (its slibdir relative to /,
/// and AT_PLATFORM, which Osprey's kernel sets to "x86_64" as Linux does).
const DST_LIB: &str = "lib/x86_64-linux-gnu";
const DST_PLATFORM: &str = "x86_64";

/// Debian's x86_64 system directories, searched last (ld.so's built-in list).
pub const SYSTEM_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib",
    "/usr/lib",
];

/// Splits an RPATH/RUNPATH list and expands the dynamic string tokens. `origin` is the
/// directory of the object that carries the list. Elements with an unknown token are dropped
/// (ld.so ignores them too); empty elements mean the current directory, as in ld.so.
pub fn expand_path_list(list: &str, origin: &str) -> Vec<String> {
    list.split(':')
        .filter_map(|elem| {
            let mut out = String::new();
            let mut rest = elem;
            while let Some(i) = rest.find('$') {
                out.push_str(&rest[..i]);
                let after = &rest[i + 1..];
                let (name, tail) = if let Some(b) = after.strip_prefix('{') {
                    let end = b.find('}')?;
                    (&b[..end], &b[end + 1..])
                } else {
                    let end = after
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                };
                match name {
                    "ORIGIN" => out.push_str(origin),
                    "LIB" => out.push_str(DST_LIB),
                    "PLATFORM" => out.push_str(DST_PLATFORM),
                    _ => return None,
                }
                rest = tail;
            }
            out.push_str(rest);
            Some(if out.is_empty() { ".".to_string() } else { out })
        })
        .collect()
}

/// /etc/ld.so.cache in the "glibc-ld.so.cache1.1" format (optionally after the old
/// "ld.so-1.7.0" table, which is skipped): library names and their paths, in the cache's
/// order (sorted as ld.so's binary search expects; the first match wins).
#[derive(Clone, Debug, Default)]
pub struct LdCache {
    entries: Vec<(String, String)>,
}

/// ld.so.cache flags for an x86_64 libc6 library (FLAG_ELF_LIBC6 | FLAG_X8664_LIB64).
const CACHE_FLAGS_X8664: i32 = 0x0303;
const CACHE_MAGIC_NEW: &[u8] = b"glibc-ld.so.cache1.1";
const CACHE_MAGIC_OLD: &[u8] = b"ld.so-1.7.0";

impl LdCache {
    /// Parses the cache's bytes; `None` when they are not a cache this code understands.
    pub fn parse(b: &[u8]) -> Option<LdCache> {
        let u32_at = |o: usize| -> Option<u32> {
            Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?))
        };
        let mut start = 0usize;
        if b.starts_with(CACHE_MAGIC_OLD) {
            // struct cache_file { char magic[11]; char version[...]; uint32 nlibs; }: 16 bytes,
            // then 12-byte entries; the new table follows, 8-aligned.
            let n = u32_at(12)? as usize;
            start = (16 + n.checked_mul(12)?).next_multiple_of(8);
        }
        let h = b.get(start..)?;
        if !h.starts_with(CACHE_MAGIC_NEW) {
            return None;
        }
        // struct cache_file_new: magic+version (20), nlibs, len_strings, flags (1) + 3,
        // extension_offset, unused[3]: 48 bytes; then 24-byte file_entry_new.
        let nlibs = u32_at(start + 20)? as usize;
        let string = |off: u32| -> Option<String> {
            let s = h.get(off as usize..)?;
            let end = s.iter().position(|&c| c == 0)?;
            Some(String::from_utf8_lossy(&s[..end]).into_owned())
        };
        let mut entries = Vec::with_capacity(nlibs);
        for i in 0..nlibs {
            let e = start + 48 + i * 24;
            let flags = u32_at(e)? as i32;
            let (key, value) = (u32_at(e + 4)?, u32_at(e + 8)?);
            let hwcap = u64::from(u32_at(e + 16)?) | (u64::from(u32_at(e + 20)?) << 32);
            // Only baseline x86_64 entries: glibc-hwcaps variants are chosen by the CPU,
            // and the guest's CPU is not the host's.
            if flags != CACHE_FLAGS_X8664 || hwcap != 0 {
                continue;
            }
            entries.push((string(key)?, string(value)?));
        }
        Some(LdCache { entries })
    }

    pub fn lookup(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The directories of /etc/ld.so.conf and its `include`d files (used when there is no cache:
/// ldconfig would have put their libraries in it).
pub fn ld_so_conf_dirs(conf: &Path) -> Vec<String> {
    let mut out = Vec::new();
    read_conf(conf, &mut out, 0);
    out
}

fn read_conf(conf: &Path, out: &mut Vec<String>, depth: u32) {
    let Ok(text) = fs::read_to_string(conf) else {
        return;
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line.strip_prefix("include") {
            let pattern = pattern.trim();
            if depth < 8 {
                let base = conf.parent().unwrap_or(Path::new("/"));
                for f in glob_one(&base.join(pattern)) {
                    read_conf(&f, out, depth + 1);
                }
            }
        } else if line.starts_with('/') {
            out.extend(
                line.split([' ', '\t', ',', ':'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    }
}

/// A glob with `*` in the last component only (what ld.so.conf files use), sorted.
fn glob_one(pattern: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (
        pattern.parent(),
        pattern.file_name().and_then(|n| n.to_str()),
    ) else {
        return Vec::new();
    };
    let Some((pre, post)) = name.split_once('*') else {
        return vec![pattern.to_path_buf()];
    };
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name().to_str().is_some_and(|n| {
                n.len() >= pre.len() + post.len() && n.starts_with(pre) && n.ends_with(post)
            })
        })
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// Whose rules the loader follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flavor {
    #[default]
    Glibc,
    Musl,
}

/// Where libraries are looked for besides RPATH/RUNPATH: the host's ld.so cache (or ld.so.conf)
/// and the system directories.
#[derive(Clone, Debug, Default)]
pub struct Resolver {
    pub flavor: Flavor,
    pub cache: Option<LdCache>,
    pub conf_dirs: Vec<String>,
    pub system_dirs: Vec<String>,
}

/// musl's default library path, when /etc/ld-musl-x86_64.path does not exist.
const MUSL_DEFAULT_PATH: &str = "/lib:/usr/local/lib:/usr/lib";

/// Names musl's loader answers with itself (ldso/dynlink.c: libc and the libraries merged into
/// it), as `lib<name>.so` or `lib<name>.so.<anything>`.
fn musl_reserved(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "c", "pthread", "rt", "m", "dl", "util", "xnet", "resolv", "crypt",
    ];
    let Some(rest) = name.strip_prefix("lib") else {
        return false;
    };
    let Some(dot) = rest.find(".so") else {
        return false;
    };
    let tail = &rest[dot + 3..];
    RESERVED.contains(&&rest[..dot]) && (tail.is_empty() || tail.starts_with('.'))
}

/// One loaded object, as the loader's link map remembers it.
struct Loaded {
    /// The path it was opened at.
    path: String,
    soname: Option<String>,
    info: DynamicInfo,
    /// Index of the object that loaded it (None for the program and the loader).
    parent: Option<usize>,
}

impl Resolver {
    /// The host's configuration for programs whose PT_INTERP is `interp`: musl's rules when
    /// it is musl's loader, else glibc's (/etc/ld.so.cache, else /etc/ld.so.conf; Debian's
    /// system directories).
    pub fn for_loader(interp: &str) -> Resolver {
        if interp.contains("ld-musl-") {
            let dirs = fs::read_to_string("/etc/ld-musl-x86_64.path")
                .map(|t| {
                    t.split(['\n', ':'])
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_else(|_| MUSL_DEFAULT_PATH.split(':').map(str::to_string).collect());
            return Resolver {
                flavor: Flavor::Musl,
                cache: None,
                conf_dirs: Vec::new(),
                system_dirs: dirs,
            };
        }
        let cache = fs::read("/etc/ld.so.cache")
            .ok()
            .and_then(|b| LdCache::parse(&b));
        let conf_dirs = if cache.is_none() {
            ld_so_conf_dirs(Path::new("/etc/ld.so.conf"))
        } else {
            Vec::new()
        };
        Resolver {
            flavor: Flavor::Glibc,
            cache,
            conf_dirs,
            system_dirs: SYSTEM_DIRS.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The loader (`interp`) and every library `root` needs, transitively, in the loader's
    /// breadth-first order. `shown` names the program in errors.
    pub fn resolve(
        &self,
        shown: &str,
        root: &Path,
        interp: &str,
    ) -> Result<Vec<Library>, LibsError> {
        let unreadable = |p: &str, e: &dyn std::fmt::Display| {
            LibsError::Unreadable(shown.into(), p.into(), e.to_string())
        };
        let root_str = root.to_string_lossy().into_owned();
        let root_info = read_dynamic(root)
            .map_err(|e| unreadable(&root_str, &e))?
            .ok_or_else(|| unreadable(&root_str, &"not an x86_64 ELF64 file"))?;
        let interp_info = read_dynamic(Path::new(interp))
            .map_err(|e| unreadable(interp, &e))?
            .unwrap_or_default();
        let mut loaded = vec![
            Loaded {
                path: root_str.clone(),
                soname: root_info.soname.clone(),
                info: root_info,
                parent: None,
            },
            Loaded {
                path: interp.to_string(),
                soname: interp_info.soname.clone(),
                info: interp_info,
                parent: None,
            },
        ];
        let mut queue = VecDeque::from([0usize]);
        while let Some(i) = queue.pop_front() {
            for name in loaded[i].info.needed.clone() {
                if self.flavor == Flavor::Musl && musl_reserved(&name) {
                    continue;
                }
                if loaded
                    .iter()
                    .any(|l| l.path == name || l.soname.as_deref() == Some(name.as_str()))
                {
                    continue;
                }
                let Some(path) = self.find(&name, i, &loaded) else {
                    let needer = if i == 0 {
                        shown.to_string()
                    } else {
                        loaded[i].path.clone()
                    };
                    return Err(LibsError::Missing(
                        shown.into(),
                        name,
                        needer,
                        self.searched(i, &loaded),
                    ));
                };
                // The same file under another name (a symlink) is still one object to ld.so
                // (it compares device and inode).
                if loaded.iter().any(|l| same_file(&l.path, &path)) {
                    continue;
                }
                let info = read_dynamic(Path::new(&path))
                    .map_err(|e| unreadable(&path, &e))?
                    .unwrap_or_default();
                loaded.push(Loaded {
                    path,
                    soname: info.soname.clone(),
                    info,
                    parent: Some(i),
                });
                queue.push_back(loaded.len() - 1);
            }
        }
        let mut libs = Vec::new();
        for l in loaded.iter().skip(1) {
            let host_file = fs::canonicalize(&l.path).map_err(|e| unreadable(&l.path, &e))?;
            libs.push(Library {
                guest_path: l.path.clone(),
                host_file,
            });
        }
        // The loader last, as `ld.so --list` printed it (the order does not matter to packing).
        libs.rotate_left(1);
        Ok(libs)
    }

    /// The path of `name` needed by object `i`, or None.
    fn find(&self, name: &str, i: usize, loaded: &[Loaded]) -> Option<String> {
        if name.contains('/') {
            return is_loadable(Path::new(name)).then(|| name.to_string());
        }
        let in_dirs = |dirs: &[String]| {
            dirs.iter().find_map(|d| {
                let p = format!("{}/{name}", d.trim_end_matches('/'));
                is_loadable(Path::new(&p)).then_some(p)
            })
        };
        if self.flavor == Flavor::Musl {
            // RUNPATH or RPATH alike, of the object and of every object up its chain; then
            // the system path.
            let mut at = Some(i);
            while let Some(k) = at {
                if let Some(p) = musl_rpath(&loaded[k]).and_then(|d| in_dirs(&d)) {
                    return Some(p);
                }
                at = loaded[k].parent;
            }
            return in_dirs(&self.system_dirs);
        }
        for dirs in self.rpath_chain(i, loaded) {
            if let Some(p) = in_dirs(&dirs) {
                return Some(p);
            }
        }
        if let Some(rp) = &loaded[i].info.runpath {
            if let Some(p) = in_dirs(&expand_path_list(rp, &origin(&loaded[i].path))) {
                return Some(p);
            }
        }
        if let Some(cache) = &self.cache {
            if let Some(p) = cache.lookup(name) {
                if is_loadable(Path::new(p)) {
                    return Some(p.to_string());
                }
            }
        } else if let Some(p) = in_dirs(&self.conf_dirs) {
            return Some(p);
        }
        in_dirs(&self.system_dirs)
    }

    /// DT_RPATH lists that apply to a lookup by object `i`: its own and its loaders', up to the
    /// program, as long as the object has no DT_RUNPATH (RUNPATH disables RPATH).
    fn rpath_chain(&self, i: usize, loaded: &[Loaded]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        if loaded[i].info.runpath.is_some() {
            return out;
        }
        let mut at = Some(i);
        while let Some(k) = at {
            if let (Some(rp), None) = (&loaded[k].info.rpath, &loaded[k].info.runpath) {
                out.push(expand_path_list(rp, &origin(&loaded[k].path)));
            }
            at = loaded[k].parent;
        }
        out
    }

    /// Where the search for a library needed by object `i` looked, for the error message.
    fn searched(&self, i: usize, loaded: &[Loaded]) -> String {
        let mut parts = Vec::new();
        if self.flavor == Flavor::Musl {
            let mut at = Some(i);
            while let Some(k) = at {
                if let Some(d) = musl_rpath(&loaded[k]) {
                    parts.push(format!("RPATH {}", d.join(":")));
                }
                at = loaded[k].parent;
            }
            parts.push(self.system_dirs.join(":"));
            return format!("searched {} (musl's loader)", parts.join(", "));
        }
        for dirs in self.rpath_chain(i, loaded) {
            parts.push(format!("RPATH {}", dirs.join(":")));
        }
        if let Some(rp) = &loaded[i].info.runpath {
            parts.push(format!(
                "RUNPATH {}",
                expand_path_list(rp, &origin(&loaded[i].path)).join(":")
            ));
        }
        parts.push(if self.cache.is_some() {
            "/etc/ld.so.cache".to_string()
        } else {
            "the /etc/ld.so.conf directories".to_string()
        });
        parts.push(self.system_dirs.join(":"));
        format!("searched {}", parts.join(", "))
    }
}

/// musl's search list of an object: DT_RUNPATH if it has one, else DT_RPATH, expanded.
fn musl_rpath(l: &Loaded) -> Option<Vec<String>> {
    let list = l.info.runpath.as_ref().or(l.info.rpath.as_ref())?;
    Some(expand_path_list(list, &origin(&l.path)))
}

/// `$ORIGIN` of an object: the directory of the path it was loaded from. The program's path is
/// canonical already (as /proc/self/exe, which ld.so reads for it).
fn origin(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((d, _)) => d.to_string(),
        None => ".".to_string(),
    }
}

/// Whether ld.so would take this file: an x86_64 ELF64.
fn is_loadable(p: &Path) -> bool {
    p.is_file() && matches!(read_dynamic(p), Ok(Some(_)))
}

fn same_file(a: &str, b: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// The libraries (and the loader) the program at `prog` needs.
pub fn resolve(shown: &str, prog: &Path, interp: &str) -> Result<Vec<Library>, LibsError> {
    Resolver::for_loader(interp).resolve(shown, prog, interp)
}

/// The libraries needed by the shared objects packed as data (a runtime's extension modules),
/// which the program's own list does not include.
pub fn for_included(pack: &crate::pack::Pack, interp: &str) -> Result<Vec<Library>, LibsError> {
    // (Result kept for symmetry with `resolve`; today nothing here refuses.)
    let resolver = Resolver::for_loader(interp);
    let mut all: Vec<Library> = Vec::new();
    for so in crate::pack::shared_objects(pack) {
        let shown = so.display().to_string();
        // Not every *.so file is an ELF library (linker scripts, data), and an extension module
        // whose library is not installed fails at import time on the host too (Python raises
        // ImportError): both are skipped rather than refusing the program.
        if let Ok(libs) = resolver.resolve(&shown, &so, interp) {
            for l in libs {
                if !all.contains(&l) {
                    all.push(l);
                }
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests;
