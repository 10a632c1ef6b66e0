//! Data a well-known runtime reads at start, packed without the user listing it: a small
//! manifest per runtime, keyed by the interpreter's file name. Anything else comes in with
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
    }
    dirs.into_iter()
        .filter(|d| Path::new(d).exists())
        .map(|d| (PathBuf::from(&d), d))
        .collect()
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
