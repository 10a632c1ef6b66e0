//! Unit tests on synthetic ELF files and on the stack layout.

use super::*;
use alloc::vec::Vec;
use osprey_abi::Errno;

/// A program header for the synthetic builder.
#[derive(Clone, Copy)]
struct Ph {
    p_type: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

fn load(offset: u64, vaddr: u64, filesz: u64, memsz: u64, flags: u32) -> Ph {
    Ph {
        p_type: 1,
        flags,
        offset,
        vaddr,
        filesz,
        memsz,
        align: 0x1000,
    }
}

/// Build an ELF64 file: header, phdrs at 64, then zero padding up to `file_len`.
fn build(e_type: u16, entry: u64, phs: &[Ph], file_len: usize) -> Vec<u8> {
    let mut f = alloc::vec![0u8; file_len.max(64 + 56 * phs.len())];
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2;
    f[5] = 1;
    f[6] = 1;
    f[16..18].copy_from_slice(&e_type.to_le_bytes());
    f[18..20].copy_from_slice(&62u16.to_le_bytes());
    f[20..24].copy_from_slice(&1u32.to_le_bytes());
    f[24..32].copy_from_slice(&entry.to_le_bytes());
    f[32..40].copy_from_slice(&64u64.to_le_bytes());
    f[52..54].copy_from_slice(&64u16.to_le_bytes());
    f[54..56].copy_from_slice(&56u16.to_le_bytes());
    f[56..58].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    for (i, ph) in phs.iter().enumerate() {
        let o = 64 + 56 * i;
        f[o..o + 4].copy_from_slice(&ph.p_type.to_le_bytes());
        f[o + 4..o + 8].copy_from_slice(&ph.flags.to_le_bytes());
        f[o + 8..o + 16].copy_from_slice(&ph.offset.to_le_bytes());
        f[o + 16..o + 24].copy_from_slice(&ph.vaddr.to_le_bytes());
        f[o + 24..o + 32].copy_from_slice(&ph.vaddr.to_le_bytes());
        f[o + 32..o + 40].copy_from_slice(&ph.filesz.to_le_bytes());
        f[o + 40..o + 48].copy_from_slice(&ph.memsz.to_le_bytes());
        f[o + 48..o + 56].copy_from_slice(&ph.align.to_le_bytes());
    }
    f
}

fn typical_exec() -> Vec<u8> {
    build(
        2,
        0x401000,
        &[
            load(0, 0x400000, 0x2000, 0x2000, 5),
            // data: file 0x2e10.. -> 0x402e10, 0x100 file bytes, bss up to 0x404000+
            load(0x2e10, 0x403e10, 0x100, 0x1300, 6),
            Ph {
                p_type: 0x6474_e551,
                flags: 6,
                offset: 0,
                vaddr: 0,
                filesz: 0,
                memsz: 0,
                align: 16,
            },
            Ph {
                p_type: 7,
                flags: 4,
                offset: 0x2e10,
                vaddr: 0x403e10,
                filesz: 0x10,
                memsz: 0x40,
                align: 8,
            },
        ],
        0x3000,
    )
}

#[test]
fn parses_synthetic_exec() {
    let info = parse(&typical_exec()).unwrap();
    assert_eq!(info.kind, ElfKind::Exec);
    assert_eq!(info.entry, 0x401000);
    assert_eq!(info.segments.len(), 2);
    assert_eq!(info.segments[0].prot, PROT_READ | PROT_EXEC);
    assert_eq!(info.segments[1].prot, PROT_READ | PROT_WRITE);
    assert_eq!(info.phdr_vaddr, Some(0x400040));
    assert_eq!(info.phnum, 4);
    assert!(!info.exec_stack);
    assert!(info.interp.is_none());
    assert_eq!(info.tls.unwrap().memsz, 0x40);
    assert_eq!(info.default_bias(), 0);
    assert_eq!(info.brk_start(0), 0x406000);
    assert_eq!(info.high(), 0x405110);
    assert!(info.bias_ok(0, 0x10000));
    assert!(!info.bias_ok(0x1000, 0x10000));

    let maps = info.mappings(0);
    assert_eq!(maps[0].start, 0x400000);
    assert_eq!(maps[0].end, 0x402000);
    assert_eq!(maps[0].file_offset, 0);
    assert_eq!(maps[0].file_end, 0x402000);
    assert_eq!(maps[0].copy_len, 0x2000);
    assert_eq!(maps[0].zero_range(), None);
    assert_eq!(maps[0].anon_range(), None);

    let d = maps[1];
    assert_eq!(d.start, 0x403000);
    assert_eq!(d.end, 0x406000);
    assert_eq!(d.file_offset, 0x2000);
    assert_eq!(d.copy_len, 0xe10 + 0x100);
    assert_eq!(d.file_end, 0x404000);
    assert_eq!(d.zero_range(), Some((0x403f10, 0x404000)));
    assert_eq!(d.anon_range(), Some((0x404000, 0x406000)));
}

#[test]
fn pie_bias_and_interp() {
    let mut f = build(
        3,
        0x1040,
        &[
            Ph {
                p_type: 6,
                flags: 4,
                offset: 64,
                vaddr: 64,
                filesz: 56 * 3,
                memsz: 56 * 3,
                align: 8,
            },
            Ph {
                p_type: 3,
                flags: 4,
                offset: 0x300,
                vaddr: 0x300,
                filesz: 6,
                memsz: 6,
                align: 1,
            },
            load(0, 0, 0x1000, 0x1000, 5),
        ],
        0x1000,
    );
    f[0x300..0x306].copy_from_slice(b"/ld.s\0");
    let info = parse(&f).unwrap();
    assert!(info.is_pie());
    assert!(info.is_dynamic());
    assert!(
        info.exec_stack,
        "no PT_GNU_STACK means executable stack on x86_64"
    );
    assert_eq!(info.interp.as_deref(), Some(&b"/ld.s"[..]));
    assert_eq!(info.default_bias(), 0x5555_5555_4000);
    assert_eq!(info.entry_at(info.default_bias()), 0x5555_5555_5040);
    assert_eq!(info.phdr_at(info.default_bias()), 0x5555_5555_4040);
    assert!(info.bias_ok(0x7fff_f7fc_0000, 0x10000));
    assert!(!info.bias_ok(0x7fff_ffff_f000, 0x10000));
    assert!(!info.bias_ok(0x123, 0x10000));

    // Interior NUL / missing NUL in PT_INTERP.
    f[0x305] = b'x';
    assert_eq!(
        parse(&f).unwrap_err().reason,
        "PT_INTERP is not a NUL-terminated path"
    );
}

#[test]
fn pie_with_large_alignment() {
    let mut ph = load(0, 0, 0x1000, 0x1000, 5);
    ph.align = 0x20_0000;
    let info = parse(&build(3, 0, &[ph], 0x1000)).unwrap();
    assert_eq!(info.max_align(), 0x20_0000);
    assert_eq!(info.default_bias(), 0x5555_5540_0000);
}

#[test]
fn no_bss_copies_whole_last_page_within_file() {
    // filesz ends mid-page and memsz == filesz: a file mapping would show the following file
    // bytes up to the page end (or EOF), so copy_len covers them.
    let info = parse(&build(
        2,
        0x400000,
        &[load(0, 0x400000, 0x1100, 0x1100, 5)],
        0x1800,
    ))
    .unwrap();
    let m = info.mappings(0)[0];
    assert_eq!(m.file_end, 0x402000);
    assert_eq!(m.copy_len, 0x1800);
    assert_eq!(m.zero_range(), None);
}

#[test]
fn bss_only_segment() {
    let info = parse(&build(
        2,
        0x400000,
        &[
            load(0, 0x400000, 0x1000, 0x1000, 5),
            load(0, 0x500000, 0, 0x3000, 6),
        ],
        0x1000,
    ))
    .unwrap();
    let m = info.mappings(0)[1];
    assert_eq!(
        (m.start, m.file_end, m.end, m.copy_len),
        (0x500000, 0x500000, 0x503000, 0)
    );
    assert_eq!(m.anon_range(), Some((0x500000, 0x503000)));
}

fn reason(f: &[u8]) -> &'static str {
    let e = parse(f).unwrap_err();
    assert_eq!(e.errno, Errno::ENOEXEC);
    e.reason
}

#[test]
fn refuses_bad_files() {
    assert_eq!(reason(b""), "not an ELF file (bad magic number)");
    assert_eq!(reason(b"#!/bin/sh\n"), "not an ELF file (bad magic number)");
    assert_eq!(
        reason(b"\x7fELF\x02\x01\x01"),
        "file too short for an ELF header"
    );
    let good = typical_exec();
    let mut f = good.clone();
    f[4] = 1;
    assert_eq!(reason(&f), "32-bit ELF files are not supported");
    let mut f = good.clone();
    f[5] = 2;
    assert_eq!(reason(&f), "ELF file is not little-endian");
    let mut f = good.clone();
    f[18] = 40; // EM_ARM
    assert_eq!(reason(&f), "not an x86-64 program (e_machine)");
    let mut f = good.clone();
    f[16] = 1;
    assert_eq!(reason(&f), "relocatable object file, not a program");
    let mut f = good.clone();
    f[54] = 32;
    assert_eq!(reason(&f), "bad program header entry size");
    let mut f = good.clone();
    f[32] = 0xf0;
    f[33] = 0xff;
    assert_eq!(
        reason(&f),
        "program headers extend past the end of the file"
    );

    let x = |phs: &[Ph]| build(2, 0x400000, phs, 0x3000);
    assert_eq!(
        reason(&x(&[load(0, 0x400000, 0x2000, 0x1000, 5)])),
        "PT_LOAD with p_filesz > p_memsz"
    );
    assert_eq!(
        reason(&x(&[load(0x2000, 0x400000, 0x2000, 0x2000, 5)])),
        "PT_LOAD extends past the end of the file"
    );
    assert_eq!(
        reason(&x(&[load(u64::MAX - 4, 0x400000, 0x10, 0x10, 5)])),
        "PT_LOAD extends past the end of the file"
    );
    assert_eq!(
        reason(&x(&[load(0x10, 0x400000, 0x10, 0x10, 5)])),
        "PT_LOAD offset and address disagree modulo p_align"
    );
    let mut ph = load(0x10, 0x400000, 0x10, 0x10, 5);
    ph.align = 0;
    assert_eq!(
        reason(&x(&[ph])),
        "PT_LOAD offset and address disagree modulo the page size"
    );
    ph.align = 3;
    assert_eq!(reason(&x(&[ph])), "PT_LOAD alignment is not a power of two");
    assert_eq!(
        reason(&x(&[load(0, u64::MAX - 0xfff, 0x10, 0x2000, 5)])),
        "PT_LOAD address range out of bounds"
    );
    assert_eq!(
        reason(&x(&[load(0, 0x7fff_ffff_f000, 0x10, 0x10, 5)])),
        "PT_LOAD address range out of bounds"
    );
    assert_eq!(
        reason(&x(&[
            load(0, 0x400000, 0x2000, 0x2000, 5),
            load(0x1000, 0x401000, 0x1000, 0x1000, 6)
        ])),
        "PT_LOAD segments overlap or are unsorted"
    );
    assert_eq!(
        reason(&x(&[
            load(0x1000, 0x500000, 0x1000, 0x1000, 6),
            load(0, 0x400000, 0x1000, 0x1000, 5),
        ])),
        "PT_LOAD segments overlap or are unsorted"
    );
    let gnu_stack = Ph {
        p_type: 0x6474_e551,
        flags: 6,
        offset: 0,
        vaddr: 0,
        filesz: 0,
        memsz: 0,
        align: 16,
    };
    assert_eq!(reason(&x(&[gnu_stack])), "no loadable segments");
}

/// Deterministic pseudo-random mutations of a valid file: parse must never panic.
#[test]
fn fuzz_mutations_never_panic() {
    let good = typical_exec();
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20000 {
        let mut f = good.clone();
        let n = next() % 8 + 1;
        for _ in 0..n {
            // Mostly hit the headers, where the interesting fields are.
            let idx = (next() % 300) as usize;
            f[idx] = next() as u8;
        }
        let cut = (next() % (f.len() as u64 + 1)) as usize;
        if next() % 4 == 0 {
            f.truncate(cut);
        }
        if let Ok(info) = parse(&f) {
            let bias = info.default_bias();
            if info.bias_ok(bias, 0x10000) {
                for m in info.mappings(bias) {
                    assert!(m.start <= m.file_end && m.file_end <= m.end);
                    assert!(m.file_offset + m.copy_len <= f.len() as u64);
                }
            }
        }
    }
    for len in 0..good.len() {
        let _ = parse(&good[..len]);
    }
}

// ---- stack ----

fn rd(st: &InitialStack, addr: u64) -> u64 {
    let o = (addr - st.rsp) as usize;
    u64::from_le_bytes(st.bytes[o..o + 8].try_into().unwrap())
}

fn cstr(st: &InitialStack, addr: u64) -> Vec<u8> {
    let o = (addr - st.rsp) as usize;
    let len = st.bytes[o..].iter().position(|&b| b == 0).unwrap();
    st.bytes[o..o + len].to_vec()
}

fn aux_sample() -> AuxValues {
    let info = parse(&typical_exec()).unwrap();
    let mut a = AuxValues::for_program(&info, 0, 0);
    a.sysinfo_ehdr = Some(0x7fff_f7fc_1000);
    a.hwcap = 0x178bfbff;
    a.hwcap2 = 2;
    a
}

#[test]
fn stack_layout_parses_back() {
    const TOP: u64 = 0x7fff_ffff_f000;
    let argv: [&[u8]; 3] = [b"/bin/prog", b"-v", b"hello world"];
    let envp: [&[u8]; 2] = [b"HOME=/", b"PATH=/bin:/usr/bin"];
    let random = [7u8; 16];
    let st = build_stack(TOP, &argv, &envp, b"/bin/prog", random, &aux_sample()).unwrap();
    assert_eq!(st.rsp % 16, 0);
    assert_eq!(st.rsp + st.bytes.len() as u64, TOP);
    assert_eq!(rd(&st, st.rsp), 3);
    assert_eq!(st.argv, st.rsp + 8);
    for (i, a) in argv.iter().enumerate() {
        assert_eq!(cstr(&st, rd(&st, st.argv + 8 * i as u64)), *a);
    }
    assert_eq!(rd(&st, st.argv + 24), 0);
    assert_eq!(st.envp, st.argv + 32);
    for (i, e) in envp.iter().enumerate() {
        assert_eq!(cstr(&st, rd(&st, st.envp + 8 * i as u64)), *e);
    }
    assert_eq!(rd(&st, st.envp + 16), 0);
    assert_eq!(st.auxv_addr, st.envp + 24);

    // Walk auxv from memory and compare with Linux's order.
    let mut pairs = Vec::new();
    let mut a = st.auxv_addr;
    loop {
        let (k, v) = (rd(&st, a), rd(&st, a + 8));
        pairs.push((k, v));
        a += 16;
        if k == 0 {
            break;
        }
    }
    assert_eq!(pairs, st.auxv);
    let tags: Vec<u64> = pairs.iter().map(|p| p.0).collect();
    use auxv::*;
    assert_eq!(
        tags,
        [
            AT_SYSINFO_EHDR,
            AT_MINSIGSTKSZ,
            AT_HWCAP,
            AT_PAGESZ,
            AT_CLKTCK,
            AT_PHDR,
            AT_PHENT,
            AT_PHNUM,
            AT_BASE,
            AT_FLAGS,
            AT_ENTRY,
            AT_UID,
            AT_EUID,
            AT_GID,
            AT_EGID,
            AT_SECURE,
            AT_RANDOM,
            AT_HWCAP2,
            AT_EXECFN,
            AT_PLATFORM,
            AT_NULL
        ]
    );
    let get = |t| pairs.iter().find(|p| p.0 == t).unwrap().1;
    assert_eq!(get(AT_PAGESZ), 4096);
    assert_eq!(get(AT_CLKTCK), 100);
    assert_eq!(get(AT_PHDR), 0x400040);
    assert_eq!(get(AT_PHENT), 56);
    assert_eq!(get(AT_PHNUM), 4);
    assert_eq!(get(AT_ENTRY), 0x401000);
    assert_eq!(get(AT_HWCAP), 0x178bfbff);
    assert_eq!(cstr(&st, get(AT_EXECFN)), b"/bin/prog");
    assert_eq!(cstr(&st, get(AT_PLATFORM)), b"x86_64");
    let r = (get(AT_RANDOM) - st.rsp) as usize;
    assert_eq!(st.bytes[r..r + 16], random);
    // Strings: argv lowest, then envp, then execfn, then 8 zero bytes at the very top.
    assert_eq!(st.execfn, TOP - 8 - 10);
    assert_eq!(st.bytes[st.bytes.len() - 8..], [0; 8]);
    assert_eq!(st.arg_start, rd(&st, st.argv));
    assert_eq!(st.arg_end, rd(&st, st.envp));
    assert_eq!(st.env_end, st.execfn);
    assert!(st.random < st.platform && st.platform < st.arg_start);
    assert!(a <= st.random, "auxv must end below the random bytes");
}

#[test]
fn stack_alignment_for_all_counts() {
    for argc in 0..6usize {
        for envc in 0..6usize {
            let argv: Vec<&[u8]> = (0..argc).map(|_| &b"a"[..]).collect();
            let envp: Vec<&[u8]> = (0..envc).map(|_| &b"E=1"[..]).collect();
            let mut aux = aux_sample();
            aux.sysinfo_ehdr = if envc % 2 == 0 { None } else { Some(0x1000) };
            let st = build_stack(0x7fff_ffff_f000, &argv, &envp, b"x", [0; 16], &aux).unwrap();
            assert_eq!(st.rsp % 16, 0);
            assert_eq!(rd(&st, st.rsp), argc.max(1) as u64);
            if argc == 0 {
                // Linux supplies an empty argv[0].
                assert_eq!(cstr(&st, rd(&st, st.argv)), b"");
            }
        }
    }
}

#[test]
fn stack_limits() {
    let aux = aux_sample();
    let big = alloc::vec![b'a'; MAX_ARG_STRLEN];
    assert_eq!(
        build_stack(0x7fff_ffff_f000, &[&big], &[], b"x", [0; 16], &aux).unwrap_err(),
        Errno::E2BIG
    );
    let ok = alloc::vec![b'a'; MAX_ARG_STRLEN - 1];
    assert!(build_stack(0x7fff_ffff_f000, &[&ok], &[], b"x", [0; 16], &aux).is_ok());
    // 20 strings of 128 KiB exceed 8 MiB / 4.
    let many: Vec<&[u8]> = (0..20).map(|_| &ok[..]).collect();
    assert_eq!(
        build_stack(0x7fff_ffff_f000, &many, &[], b"x", [0; 16], &aux).unwrap_err(),
        Errno::E2BIG
    );
    // ... but fit with a 64 MiB stack rlimit (capped at 6 MiB of arguments).
    assert!(
        build_stack_with_limit(0x7fff_ffff_f000, &many, &[], b"x", [0; 16], &aux, 64 << 20).is_ok()
    );
    assert_eq!(
        build_stack(0x7fff_ffff_f000, &[b"a\0b"], &[], b"x", [0; 16], &aux).unwrap_err(),
        Errno::EINVAL
    );
}
