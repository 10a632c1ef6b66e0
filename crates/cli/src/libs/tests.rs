//! The resolver against the host's own loader: for real Debian binaries and for programs built
//! here with RPATH, RUNPATH and $ORIGIN, the set of paths must be exactly what `ldd` prints.

use super::*;
use std::process::Command;

/// `ldd PROG` as (paths found, names not found); the vDSO (no file) is left out.
fn ldd(prog: &Path) -> (Vec<String>, Vec<String>) {
    let out = Command::new("ldd")
        .arg(prog)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .output()
        .expect("ldd runs (package libc-bin)");
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for line in text.lines().map(str::trim) {
        let (name, rest) = line.split_once(" => ").unwrap_or((line, line));
        if rest.starts_with("not found") {
            missing.push(name.to_string());
            continue;
        }
        let path = rest.split(" (0x").next().unwrap_or(rest).trim();
        if path.starts_with('/') {
            found.push(path.to_string());
        }
    }
    found.sort();
    (found, missing)
}

fn ours(prog: &Path) -> Vec<String> {
    let mut v: Vec<String> = resolve("test", prog, INTERP)
        .unwrap_or_else(|e| panic!("{}: {e}", prog.display()))
        .into_iter()
        .map(|l| l.guest_path)
        .collect();
    v.sort();
    v
}

const INTERP: &str = "/lib64/ld-linux-x86-64.so.2";

fn require(p: &str) -> &Path {
    assert!(
        Path::new(p).exists(),
        "{p} is missing (scripts/install-deps.sh installs what the tests use)"
    );
    Path::new(p)
}

#[test]
fn debian_binaries_resolve_as_ldd_says() {
    require(INTERP);
    let mut checked = 0;
    for p in [
        "/bin/ls",
        "/usr/bin/sort",
        "/usr/bin/python3",
        "/usr/bin/perl",
        "/usr/bin/lua5.4",
        "/usr/bin/sqlite3",
        "/usr/bin/xz",
        "/usr/bin/gzip",
        "/usr/bin/qemu-system-x86_64",
        "/usr/bin/strace",
        "/usr/bin/gcc",
    ] {
        let p = require(p);
        let (want, missing) = ldd(p);
        assert!(
            missing.is_empty(),
            "{}: ldd misses {missing:?}",
            p.display()
        );
        assert_eq!(ours(p), want, "{}", p.display());
        checked += 1;
    }
    assert!(checked > 5);
}

#[test]
fn every_python_extension_module_resolves_as_ldd_says() {
    // Shared objects with their own needs (libssl, libsqlite3, libffi, ...): what
    // `for_included` packs for python3.
    let dirs: Vec<PathBuf> = fs::read_dir("/usr/lib")
        .unwrap()
        .flatten()
        .map(|e| e.path().join("lib-dynload"))
        .filter(|p| p.is_dir())
        .collect();
    assert!(
        !dirs.is_empty(),
        "no python3 lib-dynload (apt-get install python3)"
    );
    let mut n = 0;
    for d in dirs {
        for e in fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if !p.to_string_lossy().ends_with(".so") {
                continue;
            }
            let (want, missing) = ldd(&p);
            let got = resolve("module", &p, INTERP);
            if !missing.is_empty() {
                assert!(got.is_err(), "{}: ldd misses {missing:?}", p.display());
                continue;
            }
            let mut got: Vec<String> = got.unwrap().into_iter().map(|l| l.guest_path).collect();
            got.sort();
            // ldd of a library lists the loader under its cache path when a library names it
            // in DT_NEEDED (libc does), and not at all for a module that needs nothing: compare
            // by file, without the loader.
            let interp = fs::canonicalize(INTERP).unwrap();
            let canon = |v: Vec<String>| {
                let mut c: Vec<PathBuf> = v
                    .iter()
                    .map(|s| fs::canonicalize(s).unwrap())
                    .filter(|p| *p != interp)
                    .collect();
                c.sort();
                c.dedup();
                c
            };
            assert_eq!(canon(got), canon(want), "{}", p.display());
            n += 1;
        }
    }
    assert!(n > 20, "only {n} modules checked");
}

#[test]
fn the_cache_parses_like_ldconfig_prints_it() {
    let bytes = fs::read("/etc/ld.so.cache").expect("/etc/ld.so.cache");
    let cache = LdCache::parse(&bytes).expect("a glibc-ld.so.cache1.1 file");
    let out = Command::new("/sbin/ldconfig").arg("-p").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut n = 0;
    for line in text.lines().skip(1) {
        // "\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1"
        let Some((left, path)) = line.trim().split_once(" => ") else {
            continue;
        };
        if !left.ends_with("(libc6,x86-64)") {
            continue;
        }
        let name = left.split(' ').next().unwrap();
        // The first x86-64 entry of a name is the one ld.so takes.
        if cache.entries.iter().filter(|(k, _)| k == name).count() == 1 {
            assert_eq!(cache.lookup(name), Some(path), "{name}");
        }
        n += 1;
    }
    assert_eq!(
        n,
        cache.entries.len(),
        "ldconfig -p and the parsed cache differ in size"
    );
    assert_eq!(
        cache.lookup("libc.so.6"),
        Some("/lib/x86_64-linux-gnu/libc.so.6")
    );
    assert!(LdCache::parse(b"not a cache").is_none());
    assert!(LdCache::parse(&bytes[..30]).is_none() || bytes.len() <= 30);
}

#[test]
fn dynamic_string_tokens_expand_as_on_debian() {
    assert_eq!(
        expand_path_list(
            "$ORIGIN/../lib:/opt/$LIB:${PLATFORM}/x::/a/$UNKNOWN/b",
            "/usr/bin"
        ),
        [
            "/usr/bin/../lib",
            "/opt/lib/x86_64-linux-gnu",
            "x86_64/x",
            ".",
        ]
    );
    assert_eq!(origin("/usr/bin/prog"), "/usr/bin");
    assert_eq!(origin("/prog"), "/");
}

#[test]
fn ld_so_conf_directories_with_includes() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("conf.d")).unwrap();
    fs::write(
        d.path().join("ld.so.conf"),
        "# comment\ninclude conf.d/*.conf\n/opt/first\n",
    )
    .unwrap();
    fs::write(d.path().join("conf.d/b.conf"), "/b/dir # trailing\n").unwrap();
    fs::write(d.path().join("conf.d/a.conf"), "/a/one /a/two\n").unwrap();
    fs::write(d.path().join("conf.d/ignored.txt"), "/never\n").unwrap();
    assert_eq!(
        ld_so_conf_dirs(&d.path().join("ld.so.conf")),
        ["/a/one", "/a/two", "/b/dir", "/opt/first"]
    );
}

/// Builds `lib<name>.so` from `code` in `dir`, linked against `links` (-L dir).
fn gcc_lib(dir: &Path, name: &str, code: &str, extra: &[&str]) {
    let c = dir.join(format!("{name}.c"));
    fs::write(&c, code).unwrap();
    let ok = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(dir.join(format!("lib{name}.so")))
        .arg(&c)
        .arg(format!("-L{}", dir.display()))
        .args(extra)
        .status()
        .expect("gcc (package gcc)")
        .success();
    assert!(ok, "gcc lib{name}");
}

fn gcc_exe(out: &Path, code: &str, extra: &[&str]) {
    let c = out.with_extension("c");
    fs::write(&c, code).unwrap();
    let ok = Command::new("gcc")
        .arg("-o")
        .arg(out)
        .arg(&c)
        .args(extra)
        .status()
        .unwrap()
        .success();
    assert!(ok, "gcc {}", out.display());
}

#[test]
fn rpath_runpath_and_origin_like_the_loader() {
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("lib");
    let bin = d.path().join("bin");
    fs::create_dir_all(&lib).unwrap();
    fs::create_dir_all(&bin).unwrap();
    gcc_lib(&lib, "leaf", "int leaf(void) { return 1; }\n", &[]);
    // libmid needs libleaf but has no path of its own: found through the program's RPATH
    // (inherited), not through its RUNPATH (not inherited).
    gcc_lib(
        &lib,
        "mid",
        "int leaf(void); int mid(void) { return leaf(); }\n",
        &["-lleaf"],
    );
    let code = "int mid(void); int main(void) { return mid(); }\n";
    let libdir = format!("-L{}", lib.display());
    // $ORIGIN RPATH (old dtags): libmid finds libleaf through the program's RPATH.
    let rpath = bin.join("with-rpath");
    gcc_exe(
        &rpath,
        code,
        &[
            &libdir,
            "-lmid",
            "-Wl,-rpath,$ORIGIN/../lib",
            "-Wl,--disable-new-dtags",
        ],
    );
    let (want, missing) = ldd(&rpath);
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(ours(&rpath), want);
    assert!(
        want.iter().any(|p| p.ends_with("/bin/../lib/libleaf.so")),
        "{want:?}"
    );
    // $ORIGIN RUNPATH (new dtags): libmid's own lookup does not see it: libleaf is missing,
    // and the error says libmid needed it.
    let runpath = bin.join("with-runpath");
    gcc_exe(
        &runpath,
        code,
        &[
            &libdir,
            "-lmid",
            "-Wl,-rpath,$ORIGIN/../lib",
            "-Wl,--enable-new-dtags",
        ],
    );
    let (_, missing) = ldd(&runpath);
    assert_eq!(missing, ["libleaf.so"]);
    let err = resolve("with-runpath", &runpath, INTERP).unwrap_err();
    let LibsError::Missing(prog, name, needer, _) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (prog.as_str(), name.as_str()),
        ("with-runpath", "libleaf.so")
    );
    assert!(needer.ends_with("/bin/../lib/libmid.so"), "{err}");
    assert!(
        err.to_string().contains("searched /etc/ld.so.cache"),
        "{err}"
    );
    // A library of the right name for another machine earlier in the path is skipped (here
    // libleaf with e_machine EM_AARCH64).
    let decoy = d.path().join("decoy");
    fs::create_dir(&decoy).unwrap();
    let mut other = fs::read(lib.join("libleaf.so")).unwrap();
    other[18..20].copy_from_slice(&183u16.to_le_bytes());
    fs::write(decoy.join("libleaf.so"), other).unwrap();
    gcc_lib(
        &lib,
        "mid2",
        "int leaf(void); int mid2(void) { return leaf(); }\n",
        &["-lleaf"],
    );
    let both = bin.join("decoy-first");
    let rp = format!("-Wl,-rpath,{}:{}", decoy.display(), lib.display());
    gcc_exe(
        &both,
        "int mid2(void); int main(void) { return mid2(); }\n",
        &[&libdir, "-lmid2", &rp, "-Wl,--disable-new-dtags"],
    );
    let (want, missing) = ldd(&both);
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(ours(&both), want);
}

#[test]
fn musl_programs_follow_musl_rules() {
    let musl = "/lib/ld-musl-x86_64.so.1";
    require(musl);
    let d = tempfile::tempdir().unwrap();
    // A library of our own through RPATH, and libc/libm, which musl's loader answers itself.
    let c = d.path().join("f.c");
    fs::write(&c, "int f(void) { return 7; }\n").unwrap();
    let ok = Command::new("musl-gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(d.path().join("libf.so"))
        .arg(&c)
        .status()
        .expect("musl-gcc (package musl-tools)")
        .success();
    assert!(ok);
    let exe = d.path().join("prog");
    let m = d.path().join("m.c");
    fs::write(
        &m,
        "#include <math.h>\nint f(void); int main(void) { return f() + (int)sqrt(4.0); }\n",
    )
    .unwrap();
    let ok = Command::new("musl-gcc")
        .arg("-o")
        .arg(&exe)
        .arg(&m)
        .arg(format!("-L{}", d.path().display()))
        .args(["-lf", "-lm", "-Wl,-rpath,$ORIGIN"])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    assert_eq!(Command::new(&exe).status().unwrap().code(), Some(9));
    let libs = resolve("prog", &exe, musl).unwrap();
    let paths: Vec<&str> = libs.iter().map(|l| l.guest_path.as_str()).collect();
    let libf = format!("{}/libf.so", d.path().display());
    assert_eq!(paths, [libf.as_str(), musl]);
    assert!(musl_reserved("libc.so") && musl_reserved("libm.so.6") && !musl_reserved("libfoo.so"));
    // Gone: refused, naming it, with musl's search list.
    fs::remove_file(d.path().join("libf.so")).unwrap();
    let err = resolve("prog", &exe, musl).unwrap_err().to_string();
    assert!(
        err.contains("needs libf.so") && err.contains("musl's loader"),
        "{err}"
    );
}
