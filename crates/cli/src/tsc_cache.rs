//! The guest's TSC frequency, remembered between runs.
//!
//! The kernel needs the TSC frequency for its clocks. CPUID gives it on recent hardware, but
//! not under TCG or on many KVM hosts, and measuring it against the PIT costs the guest 10 ms.
//! So the first run that needs it measures it and reports it (a TscKhz frame); we cache the
//! value per host boot and accelerator, and pass it as `tsc_khz=` on the kernel command line
//! from then on. The guest TSC runs at the host TSC's rate under both TCG and KVM, which is why
//! one value per host boot is right.

use std::path::PathBuf;

fn cache_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("osprey").join("tsc-khz"))
}

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn key(engine: &str) -> String {
    format!("{} {engine}", boot_id())
}

/// The cached frequency for this host boot and accelerator, if any.
pub fn load(engine: &str) -> Option<u64> {
    let text = std::fs::read_to_string(cache_file()?).ok()?;
    parse(&text, &key(engine))
}

fn parse(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.rsplit_once(' ')?;
        (k == key).then(|| v.parse().ok()).flatten()
    })
}

/// Remembers `khz` for this host boot and accelerator (best effort: a cache).
pub fn store(engine: &str, khz: u64) {
    let Some(path) = cache_file() else { return };
    let k = key(engine);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut lines: Vec<String> = old
        .lines()
        .filter(|l| l.rsplit_once(' ').is_some_and(|(lk, _)| lk != k))
        .map(str::to_string)
        .collect();
    lines.push(format!("{k} {khz}"));
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, lines.join("\n") + "\n").is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn finds_the_entry_for_this_boot_and_engine() {
        let text = "b1 tcg 2600000\nb1 kvm 2600001\nb2 tcg 3000000\n";
        assert_eq!(parse(text, "b1 kvm"), Some(2600001));
        assert_eq!(parse(text, "b2 tcg"), Some(3000000));
        assert_eq!(parse(text, "b3 tcg"), None);
        assert_eq!(parse("garbage", "b1 tcg"), None);
    }
}
