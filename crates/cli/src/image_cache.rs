//! Packed images, kept between runs: `osprey run python3 ...` packs python3, its libraries and
//! its standard library once, and later runs reuse the archive while none of its inputs changed.
//!
//! An entry is `<key>.img` (the newc archive `osprey build` would write, without a manifest)
//! and `<key>.inputs` (every host path the archive was made from, with its mtime and size) in
//! `$XDG_CACHE_HOME/osprey/images` (else `~/.cache/osprey/images`). The key hashes what the
//! user asked for (the program, volumes, --include) and this osprey binary (its size and
//! mtime: a new osprey may pack differently). An entry is used only when every recorded input
//! still has its mtime and size (directories included, so added or removed files count too);
//! otherwise the image is packed again and replaces it. The newest [`KEEP`] entries are kept.
//! `OSPREY_IMAGE_CACHE=0` turns the cache off.
//!
//! What it saves: walking the runtime's tree, resolving the libraries and formatting the archive
//! (~45 ms of ~90 ms for python3 on a warm page cache here). The image is still copied into
//! the run's initramfs file, because QEMU takes a single initrd and the launch record must be
//! in it.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Entries kept (each is a whole image: python3's is ~73 MB).
const KEEP: usize = 6;
/// Bumped when the archive layout or the inputs file changes.
const FORMAT: u32 = 1;

fn dir() -> Option<PathBuf> {
    if std::env::var_os("OSPREY_IMAGE_CACHE").is_some_and(|v| v == "0") {
        return None;
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("osprey").join("images"))
}

/// The key of what is packed: the request (a description of the program, volumes and
/// includes) and this osprey binary.
pub fn key(request: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    FORMAT.hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    if let Some(m) = std::env::current_exe()
        .ok()
        .and_then(|e| std::fs::metadata(e).ok())
    {
        (m.len(), m.mtime(), m.mtime_nsec()).hash(&mut h);
    }
    request.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// One line per input: "mtime_s mtime_ns size path" (lstat: a symlink is itself an input).
fn describe(inputs: &[PathBuf]) -> Option<String> {
    let mut s = String::new();
    for p in inputs {
        let m = std::fs::symlink_metadata(p).ok()?;
        s.push_str(&format!(
            "{} {} {} {}\n",
            m.mtime(),
            m.mtime_nsec(),
            m.len(),
            p.to_str()?
        ));
    }
    Some(s)
}

/// Whether every input listed in `text` is unchanged.
fn still_valid(text: &str) -> bool {
    text.lines().all(|l| {
        let mut f = l.splitn(4, ' ');
        let (Some(s), Some(ns), Some(len), Some(path)) = (f.next(), f.next(), f.next(), f.next())
        else {
            return false;
        };
        std::fs::symlink_metadata(path).is_ok_and(|m| {
            m.mtime().to_string() == s
                && m.mtime_nsec().to_string() == ns
                && m.len().to_string() == len
        })
    })
}

/// A cached image for `key` whose inputs are all unchanged.
pub fn lookup(key: &str) -> Option<PathBuf> {
    let d = dir()?;
    let img = d.join(format!("{key}.img"));
    let text = std::fs::read_to_string(d.join(format!("{key}.inputs"))).ok()?;
    if !img.is_file() || !still_valid(&text) {
        return None;
    }
    // Used now: pruning keeps the recently used.
    if let Ok(f) = std::fs::File::options().append(true).open(&img) {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
    Some(img)
}

/// Stores an image: `write` fills the archive, `inputs` are the host paths it was made from.
/// Returns the image's path in the cache, or `None` when there is no cache (then the caller
/// writes the archive elsewhere).
pub fn store(
    key: &str,
    inputs: &[PathBuf],
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<Option<PathBuf>> {
    let Some(d) = dir() else {
        return Ok(None);
    };
    // Inputs are described before packing: a file that changes while it is being packed then
    // makes the entry stale instead of wrongly fresh.
    let Some(described) = describe(inputs) else {
        return Ok(None);
    };
    if std::fs::create_dir_all(&d).is_err() {
        return Ok(None);
    }
    let unique = format!("{}.{}", std::process::id(), key);
    let tmp_img = d.join(format!(".{unique}.img.tmp"));
    let tmp_inputs = d.join(format!(".{unique}.inputs.tmp"));
    let result = (|| -> Result<PathBuf> {
        let f = std::fs::File::create(&tmp_img).context("the image cache")?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        write(&mut w)?;
        w.into_inner()
            .map_err(|e| e.into_error())
            .context("writing the cached image")?;
        std::fs::write(&tmp_inputs, described)?;
        let img = d.join(format!("{key}.img"));
        // The image first: a reader that finds the new inputs file finds the new image too.
        std::fs::rename(&tmp_img, &img)?;
        std::fs::rename(&tmp_inputs, d.join(format!("{key}.inputs")))?;
        Ok(img)
    })();
    let _ = std::fs::remove_file(&tmp_img);
    let _ = std::fs::remove_file(&tmp_inputs);
    prune(&d);
    result.map(Some)
}

/// Keeps the [`KEEP`] most recently used entries.
fn prune(d: &Path) {
    let Ok(rd) = std::fs::read_dir(d) else {
        return;
    };
    let mut imgs: Vec<(std::time::SystemTime, PathBuf)> = rd
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(".img") && !n.starts_with('.'))
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    imgs.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, img) in imgs.into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(img.with_extension("inputs"));
        let _ = std::fs::remove_file(&img);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_that_change_invalidate_the_entry() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("lib.so");
        std::fs::write(&f, "one").unwrap();
        let inputs = vec![f.clone(), d.path().to_path_buf()];
        let text = describe(&inputs).unwrap();
        assert!(still_valid(&text));
        // Same size, new mtime.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&f, "two").unwrap();
        assert!(!still_valid(&text));
        let text = describe(&inputs).unwrap();
        assert!(still_valid(&text));
        // A new file in a packed directory.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.path().join("new.py"), "").unwrap();
        assert!(!still_valid(&text));
        // A removed input.
        let text = describe(&inputs).unwrap();
        std::fs::remove_file(&f).unwrap();
        assert!(!still_valid(&text));
        assert!(!still_valid("garbage"));
    }

    #[test]
    fn keys_differ_by_request() {
        let a = key("/usr/bin/python3");
        assert_eq!(a, key("/usr/bin/python3"));
        assert_ne!(a, key("/usr/bin/perl"));
        assert_ne!(a, key("/usr/bin/python3 -v /data"));
    }
}
