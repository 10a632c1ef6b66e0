//! Data a well-known runtime reads at start, packed without the user listing it: a small
//! manifest per runtime, keyed by the interpreter's file name (python3.X, luaX, perl) or, for
//! a JDK's launchers, by where they live. Anything else comes in with
//! `--include`. (Issue 3 extends the manifests and adds /etc files such as nsswitch.conf.)

use std::path::{Path, PathBuf};

use crate::program::Program;

/// Host paths (files or trees) the program needs beside its libraries, each packed at the same
/// path in the guest. Paths that do not exist on this host are left out.
pub fn data_for(program: &Program) -> Vec<(PathBuf, String)> {
    let name = program
        .host_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let mut dirs: Vec<String> = Vec::new();
    if let Some(ver) = name.strip_prefix("python3.") {
        if ver.chars().all(|c| c.is_ascii_digit()) {
            // The standard library, with its extension modules in lib-dynload.
            dirs.push(format!("/usr/lib/python3.{ver}"));
        }
    } else if let Some(ver) = name.strip_prefix("lua") {
        dirs.push(format!("/usr/share/lua/{ver}"));
        dirs.push(format!("/usr/lib/x86_64-linux-gnu/lua/{ver}"));
    } else if name.starts_with("perl") {
        // perl-base's modules (strict, warnings, ...) and the versioned trees.
        dirs.push("/usr/lib/x86_64-linux-gnu/perl-base".into());
        dirs.extend(glob_dirs("/usr/lib/x86_64-linux-gnu/perl", "5."));
        dirs.extend(glob_dirs("/usr/share/perl", "5."));
        dirs.push("/etc/perl".into());
    } else if name == "nginx" {
        // Its configuration (sites-enabled and modules-enabled are links into these trees),
        // default pages and dynamic modules.
        dirs.push("/etc/nginx".into());
        dirs.push("/usr/share/nginx".into());
        dirs.push("/usr/lib/nginx".into());
    } else if let Some(home) = jdk_home(&program.host_path) {
        // A JDK launcher (java, javac, jshell, ...): the JDK's modules image, native
        // libraries and configuration; on Debian conf/'s files are links into
        // /etc/java-N-openjdk.
        dirs.push(format!("{home}/lib"));
        dirs.push(format!("{home}/conf"));
        if let Some(ver) = home
            .rsplit('/')
            .next()
            .and_then(|n| n.strip_prefix("java-"))
            .and_then(|rest| rest.split('-').next())
        {
            dirs.push(format!("/etc/java-{ver}-openjdk"));
        }
    }
    dirs.into_iter()
        .filter(|d| Path::new(d).exists())
        .map(|d| (PathBuf::from(&d), d))
        .collect()
}

/// Empty directories the program expects to exist (where it writes logs, temporary files
/// and its pid file), made in the VM without copying the host's contents.
pub fn empty_dirs_for(program: &Program) -> &'static [&'static str] {
    match program.host_path.file_name().and_then(|n| n.to_str()) {
        Some("nginx") => &["/var/log/nginx", "/var/lib/nginx", "/run"],
        Some("redis-server") => &["/var/lib/redis", "/var/log/redis", "/run/redis"],
        Some("memcached") => &["/run/memcached"],
        _ => &[],
    }
}

/// The JDK a launcher belongs to: `<home>/bin/<launcher>` with a modules image at
/// `<home>/lib/modules`.
fn jdk_home(program: &Path) -> Option<String> {
    let bin = program.parent()?;
    if bin.file_name()? != "bin" {
        return None;
    }
    let home = bin.parent()?;
    home.join("lib/modules")
        .is_file()
        .then(|| home.to_string_lossy().into_owned())
}

/// Subdirectories of `parent` whose names start with `prefix`.
fn glob_dirs(parent: &str, prefix: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect()
}
