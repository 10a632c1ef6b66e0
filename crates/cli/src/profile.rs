//! `osprey run --profile`: the kernel's samples (see the kernel's `profile.rs`), named and
//! ranked. Each address is named against the ELF object it lies in (the kernel's own image,
//! or the app's executable and libraries as packed on the host), then samples are summed per
//! function.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use osprey_proto::profile::{Place, ProfileReport};

use crate::symbols::SymbolTable;

/// Functions listed on stderr (a file written with `--profile-out` has them all).
pub const TOP: usize = 40;

/// One line of the table: where, which function, how many samples.
struct Row {
    class: &'static str,
    object: String,
    function: String,
    samples: u64,
}

/// The report as text: a summary line, then the `top` busiest functions (all if None).
pub fn format(
    r: &ProfileReport,
    kernel: &[u8],
    host_file: &dyn Fn(&str) -> Option<PathBuf>,
    top: Option<usize>,
) -> String {
    let kernel_syms = SymbolTable::parse(kernel);
    // Each module's symbol table, read once (None: the file is not on the host, or stripped).
    let module_syms: Vec<Option<SymbolTable>> = r
        .modules
        .iter()
        .map(|(_, path)| {
            let guest = String::from_utf8_lossy(path);
            let data = std::fs::read(host_file(&guest)?).ok()?;
            SymbolTable::parse(&data)
        })
        .collect();
    let mut by_function: HashMap<(&'static str, String, String), u64> = HashMap::new();
    let mut per_class: HashMap<&'static str, u64> = HashMap::new();
    for &(addr, place, n) in &r.samples {
        let (class, object, function) = match place {
            Place::Idle | Place::Kernel => {
                let class = if place == Place::Idle {
                    "idle"
                } else {
                    "kernel"
                };
                let f = kernel_syms.as_ref().and_then(|t| t.lookup(addr));
                (class, "kernel".to_string(), name_or_address(f, addr))
            }
            Place::Module(i) => {
                let (bias, path) = &r.modules[i as usize];
                let link = addr.wrapping_sub(*bias);
                let f = module_syms[i as usize]
                    .as_ref()
                    .and_then(|t| t.lookup(link));
                let path = String::from_utf8_lossy(path);
                let base = path.rsplit('/').next().unwrap_or(&path).to_string();
                ("app", base, name_or_address(f, link))
            }
            Place::Anon => ("app", "(no file)".to_string(), format!("{addr:#x}")),
        };
        *per_class.entry(class).or_default() += n as u64;
        *by_function.entry((class, object, function)).or_default() += n as u64;
    }
    let mut rows: Vec<Row> = by_function
        .into_iter()
        .map(|((class, object, function), samples)| Row {
            class,
            object,
            function,
            samples,
        })
        .collect();
    rows.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.function.cmp(&b.function)));

    let total = r.total().max(1);
    let pct = |n: u64| 100.0 * n as f64 / total as f64;
    let share = |c: &str| pct(per_class.get(c).copied().unwrap_or(0));
    let mut s = format!(
        "osprey: profile: {} samples at {} Hz per CPU (about {:.1} s of CPU time): app {:.1}%, \
         kernel {:.1}%, idle {:.1}%",
        r.total(),
        r.hz,
        r.total() as f64 / r.hz.max(1) as f64,
        share("app"),
        share("kernel"),
        share("idle"),
    );
    if r.dropped > 0 {
        let _ = write!(s, "; {} more not kept (buffer full)", r.dropped);
    }
    if r.late > 0 {
        let _ = write!(s, "; {} came late and are not counted", r.late);
    }
    s.push('\n');
    let _ = writeln!(
        s,
        "  {:>6} {:>8}  {:<6} {:<20} function",
        "%", "samples", "where", "object"
    );
    for row in rows.iter().take(top.unwrap_or(usize::MAX)) {
        let _ = writeln!(
            s,
            "  {:>5.1}% {:>8}  {:<6} {:<20} {}",
            pct(row.samples),
            row.samples,
            row.class,
            row.object,
            row.function
        );
    }
    if let Some(t) = top.filter(|&t| rows.len() > t) {
        let rest: u64 = rows[t..].iter().map(|r| r.samples).sum();
        let _ = writeln!(
            s,
            "  {:>5.1}% {:>8}  ({} more functions)",
            pct(rest),
            rest,
            rows.len() - t
        );
    }
    s
}

fn name_or_address(f: Option<(&str, u64)>, addr: u64) -> String {
    match f {
        Some((name, _)) => name.to_string(),
        None => format!("{addr:#x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crash::tests::nm_address;
    use crate::program::tests::gcc;

    /// Samples in a real program's functions (named from its symbol table, bias removed),
    /// in the kernel image and idle are ranked and summed per function.
    #[test]
    fn names_and_ranks_functions() {
        let dir = tempfile::tempdir().unwrap();
        let src = "int helper(int x) { return x * 3; }\nint main(int c, char **v) { (void)v; return helper(c); }\n";
        let Some(exe) = gcc(dir.path(), "prog", src, &["-static-pie", "-O0"]) else {
            return;
        };
        let addr_of = |name: &str| nm_address(&exe, name);
        let bias = 0x5555_5555_4000;
        let r = ProfileReport {
            hz: 1000,
            dropped: 0,
            late: 0,
            modules: vec![(bias, b"/app/prog".to_vec())],
            samples: vec![
                (bias + addr_of("main") + 1, Place::Module(0), 5),
                (bias + addr_of("main") + 4, Place::Module(0), 2),
                (bias + addr_of("helper"), Place::Module(0), 3),
                (0x1234, Place::Anon, 1),
                (0xffff_ffff_8000_1000, Place::Idle, 9),
            ],
        };
        let host = exe.clone();
        let text = format(
            &r,
            b"not an elf",
            &move |g| (g == "/app/prog").then(|| host.clone()),
            Some(2),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("20 samples at 1000 Hz"), "{text}");
        assert!(
            lines[0].contains("app 55.0%") && lines[0].contains("idle 45.0%"),
            "{text}"
        );
        // Idle first (9), then main (5 + 2 summed), then the rest folded into one line.
        assert!(
            lines[2].contains("idle") && lines[2].contains("0xffffffff80001000"),
            "{text}"
        );
        assert!(
            lines[3].contains("35.0%") && lines[3].ends_with(" main"),
            "{text}"
        );
        assert!(lines[3].contains("prog"), "{text}");
        assert!(lines[4].contains("(2 more functions)"), "{text}");
        let all = format(&r, b"", &|_| None, None);
        assert!(
            all.lines()
                .any(|l| l.ends_with(&format!("{:#x}", addr_of("helper")))),
            "{all}"
        );
    }
}
