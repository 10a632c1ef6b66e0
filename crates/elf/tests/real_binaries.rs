//! Parse real programs compiled on the host with gcc (and musl-gcc when installed).

use std::path::{Path, PathBuf};
use std::process::Command;

use osprey_elf::{parse, AuxValues, ElfKind, PROT_EXEC, PROT_WRITE};

const PROGRAM: &str = r#"
#include <stdio.h>
__thread int tls_counter = 42;
__thread char tls_buf[100];
static char bss[1 << 16];
int main(int argc, char **argv) {
    tls_buf[0] = 'x';
    bss[argc] = 1;
    printf("%d %s\n", tls_counter, argv[0]);
    return bss[1];
}
"#;

/// One directory per test: tests run in parallel.
fn tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("osprey-elf-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compile `PROGRAM` with `cc` and `flags`; `None` (with a message) if the compiler or its
/// static libc is missing.
fn compile(cc: &str, flags: &[&str], name: &str) -> Option<Vec<u8>> {
    let dir = tmpdir(name);
    let src = dir.join("prog.c");
    std::fs::write(&src, PROGRAM).unwrap();
    let out = dir.join(name);
    let status = Command::new(cc)
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output();
    let bytes = std::fs::read(&out);
    let _ = std::fs::remove_dir_all(&dir);
    match status {
        Ok(o) if o.status.success() => Some(bytes.unwrap()),
        Ok(o) => {
            eprintln!(
                "SKIP {name}: {cc} {flags:?} failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("SKIP {name}: {cc} not runnable: {e}");
            None
        }
    }
}

fn e_entry(f: &[u8]) -> u64 {
    u64::from_le_bytes(f[24..32].try_into().unwrap())
}

/// Checks shared by every flavour.
fn common(f: &[u8]) -> osprey_elf::ElfInfo {
    let info = parse(f).expect("real binary parses");
    assert_eq!(info.entry, e_entry(f));
    assert!(!info.exec_stack, "gcc marks the stack non-executable");
    assert_eq!(info.phent, 56);
    let tls = info.tls.expect("PT_TLS present");
    assert!(tls.memsz >= 4 + 100 && tls.filesz >= 4);
    // The entry point is inside an executable segment.
    assert!(info.segments.iter().any(|s| s.prot & PROT_EXEC != 0
        && s.vaddr <= info.entry
        && info.entry < s.vaddr + s.memsz));
    // Some writable segment carries the 64 KiB bss.
    assert!(info
        .segments
        .iter()
        .any(|s| s.prot & PROT_WRITE != 0 && s.memsz - s.filesz >= 1 << 16));
    let phdr = info.phdr_vaddr.expect("program headers are mapped");
    let bias = info.default_bias();
    assert!(info.bias_ok(bias, 0x10000));
    let maps = info.mappings(bias);
    for m in &maps {
        assert_eq!(m.start % 4096, 0);
        assert_eq!(m.end % 4096, 0);
        assert!(m.file_offset + m.copy_len <= f.len() as u64);
    }
    // The program headers are visible in the mapped image at AT_PHDR: check via copy_len.
    let at_phdr = info.phdr_at(bias);
    assert_eq!(at_phdr, phdr + bias);
    let m = maps
        .iter()
        .find(|m| m.start <= at_phdr && at_phdr < m.start + m.copy_len)
        .expect("AT_PHDR is inside file-backed bytes");
    let off = (m.file_offset + (at_phdr - m.start)) as usize;
    let phoff = u64::from_le_bytes(f[32..40].try_into().unwrap()) as usize;
    assert_eq!(&f[off..off + 56], &f[phoff..phoff + 56]);
    // And a stack can be built for it.
    let aux = AuxValues::for_program(&info, bias, 0);
    let st = osprey_elf::build_stack(
        0x7fff_ffff_f000,
        &[b"prog"],
        &[b"A=1"],
        b"/prog",
        [1; 16],
        &aux,
    )
    .unwrap();
    assert_eq!(st.rsp % 16, 0);
    info
}

#[test]
fn gcc_static() {
    let Some(f) = compile("gcc", &["-static", "-O1", "-no-pie"], "static") else {
        return;
    };
    let info = common(&f);
    assert_eq!(info.kind, ElfKind::Exec);
    assert!(info.interp.is_none());
    assert_eq!(info.default_bias(), 0);
    assert!(info.low() >= 0x400000);
    fuzz_truncations(&f);
}

#[test]
fn gcc_static_pie() {
    let Some(f) = compile("gcc", &["-static-pie", "-O1"], "static-pie") else {
        return;
    };
    let info = common(&f);
    assert_eq!(info.kind, ElfKind::Dyn);
    assert!(info.interp.is_none());
    assert_eq!(info.low(), 0);
    assert_eq!(info.default_bias(), 0x5555_5555_4000);
}

#[test]
fn gcc_dynamic_pie() {
    let Some(f) = compile("gcc", &["-O1"], "dyn-pie") else {
        return;
    };
    let info = common(&f);
    assert_eq!(info.kind, ElfKind::Dyn);
    assert_eq!(
        info.interp.as_deref(),
        Some(&b"/lib64/ld-linux-x86-64.so.2"[..])
    );
}

#[test]
fn system_interpreter() {
    // ld.so itself: ET_DYN, no PT_INTERP, placed by the caller.
    let path = Path::new("/lib64/ld-linux-x86-64.so.2");
    let Ok(f) = std::fs::read(path) else {
        eprintln!("SKIP: no {}", path.display());
        return;
    };
    let info = parse(&f).unwrap();
    assert_eq!(info.kind, ElfKind::Dyn);
    assert!(info.interp.is_none());
    assert!(info.span() > 0 && info.span() % 4096 == 0);
}

#[test]
fn musl_static() {
    if Command::new("musl-gcc").arg("--version").output().is_err() {
        eprintln!("SKIP musl_static: musl-gcc not installed (apt-get install musl-tools)");
        return;
    }
    let Some(f) = compile("musl-gcc", &["-static", "-O1"], "musl-static") else {
        return;
    };
    let info = common(&f);
    assert!(info.interp.is_none());
}

/// Truncations and byte flips of a real binary: errors, never panics.
fn fuzz_truncations(f: &[u8]) {
    for len in (0..8192.min(f.len())).step_by(7) {
        let _ = parse(&f[..len]);
    }
    for cut in [f.len() / 2, f.len() - 1, f.len() - 4096] {
        let _ = parse(&f[..cut]);
    }
    let mut seed = 99u64;
    for _ in 0..3000 {
        let mut g = f[..f.len().min(16384)].to_vec();
        for _ in 0..4 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (seed >> 33) as usize % 1024;
            g[i] = (seed >> 20) as u8;
        }
        let _ = parse(&g);
    }
}

#[test]
fn garbage_is_refused() {
    let mut seed = 5u64;
    for len in [0usize, 1, 3, 4, 16, 63, 64, 65, 200, 4096] {
        let mut g: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                (seed >> 40) as u8
            })
            .collect();
        assert!(parse(&g).is_err());
        if len >= 4 {
            g[..4].copy_from_slice(b"\x7fELF");
            assert!(parse(&g).is_err());
        }
    }
}
