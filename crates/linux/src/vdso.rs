//! The vDSO: the small ELF shared object Linux maps into every process (AT_SYSINFO_EHDR), so
//! that libc reads the clocks without a system call.
//!
//! Osprey's app runs in ring 0 in the kernel's address space, so the vDSO's functions need not
//! be copied into the app's half: the image built here is only a symbol table (ELF header,
//! PT_LOAD + PT_DYNAMIC, .hash, .dynsym, .dynstr, .dynamic) whose symbols resolve, through the
//! usual `base + st_value` arithmetic, to functions in the kernel image that the machine
//! provides. Unversioned symbols: glibc and musl accept them when the object has no
//! version table. (A ring-3 mode would map real code instead; see ARCHITECTURE.md.)

use alloc::vec::Vec;

const EHDR: usize = 64;
const PHDR: usize = 56;
const SYM: usize = 24;
const DYN: usize = 16;

fn put(v: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    v[at..at + bytes.len()].copy_from_slice(bytes);
}

/// The SysV ELF hash (DT_HASH).
fn elf_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0;
    for &c in name {
        h = (h << 4).wrapping_add(c as u32);
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
        }
        h &= !g;
    }
    h
}

/// Builds the vDSO image for load address `base`, with `syms` (name, absolute address).
pub fn image(base: u64, syms: &[(&str, u64)]) -> Vec<u8> {
    let nsyms = syms.len() + 1; // index 0 is the null symbol
                                // .dynstr: "\0" then each name.
    let mut strtab = alloc::vec![0u8];
    let mut name_off = Vec::new();
    for (n, _) in syms {
        name_off.push(strtab.len() as u32);
        strtab.extend_from_slice(n.as_bytes());
        strtab.push(0);
    }
    let hash_off = EHDR + 2 * PHDR;
    let nbucket = 1usize;
    let hash_len = 4 * (2 + nbucket + nsyms);
    let dynsym_off = (hash_off + hash_len).next_multiple_of(8);
    let dynstr_off = dynsym_off + nsyms * SYM;
    let dynamic_off = (dynstr_off + strtab.len()).next_multiple_of(8);
    let ndyn = 6;
    let total = dynamic_off + ndyn * DYN;
    let mut v = alloc::vec![0u8; total];

    // ELF header: ELFCLASS64, little-endian, ET_DYN, EM_X86_64.
    put(&mut v, 0, &[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    put(&mut v, 16, &3u16.to_le_bytes());
    put(&mut v, 18, &62u16.to_le_bytes());
    put(&mut v, 20, &1u32.to_le_bytes());
    put(&mut v, 32, &(EHDR as u64).to_le_bytes()); // e_phoff
    put(&mut v, 52, &(EHDR as u16).to_le_bytes()); // e_ehsize
    put(&mut v, 54, &(PHDR as u16).to_le_bytes());
    put(&mut v, 56, &2u16.to_le_bytes()); // e_phnum
    put(&mut v, 58, &64u16.to_le_bytes()); // e_shentsize (no sections)

    // PT_LOAD (R+X) over the whole image at vaddr 0, PT_DYNAMIC.
    let ph = |v: &mut Vec<u8>, at: usize, ty: u32, flags: u32, off: u64, len: u64, align: u64| {
        put(v, at, &ty.to_le_bytes());
        put(v, at + 4, &flags.to_le_bytes());
        put(v, at + 8, &off.to_le_bytes());
        put(v, at + 16, &off.to_le_bytes()); // vaddr
        put(v, at + 24, &off.to_le_bytes()); // paddr
        put(v, at + 32, &len.to_le_bytes());
        put(v, at + 40, &len.to_le_bytes());
        put(v, at + 48, &align.to_le_bytes());
    };
    ph(&mut v, EHDR, 1, 5, 0, total as u64, 4096);
    ph(
        &mut v,
        EHDR + PHDR,
        2,
        4,
        dynamic_off as u64,
        (ndyn * DYN) as u64,
        8,
    );

    // .hash: one bucket chaining every symbol.
    put(&mut v, hash_off, &(nbucket as u32).to_le_bytes());
    put(&mut v, hash_off + 4, &(nsyms as u32).to_le_bytes());
    let bucket0 = if syms.is_empty() { 0u32 } else { 1 };
    put(&mut v, hash_off + 8, &bucket0.to_le_bytes());
    let chain = hash_off + 8 + 4 * nbucket;
    for i in 1..nsyms {
        let next = if i + 1 < nsyms { (i + 1) as u32 } else { 0 };
        put(&mut v, chain + 4 * i, &next.to_le_bytes());
    }
    debug_assert!(syms
        .iter()
        .all(|(n, _)| elf_hash(n.as_bytes()) % nbucket as u32 == 0));

    // .dynsym: STB_GLOBAL | STT_FUNC, defined (st_shndx = an arbitrary non-zero section),
    // value relative to the load address: the kernel function minus the base (wrapping).
    for (i, (_, addr)) in syms.iter().enumerate() {
        let at = dynsym_off + (i + 1) * SYM;
        put(&mut v, at, &name_off[i].to_le_bytes());
        v[at + 4] = (1 << 4) | 2;
        put(&mut v, at + 6, &1u16.to_le_bytes());
        put(&mut v, at + 8, &addr.wrapping_sub(base).to_le_bytes());
        put(&mut v, at + 16, &16u64.to_le_bytes());
    }
    put(&mut v, dynstr_off, &strtab);

    // .dynamic
    let entries: [(u64, u64); 6] = [
        (4, hash_off as u64),      // DT_HASH
        (5, dynstr_off as u64),    // DT_STRTAB
        (6, dynsym_off as u64),    // DT_SYMTAB
        (10, strtab.len() as u64), // DT_STRSZ
        (11, SYM as u64),          // DT_SYMENT
        (0, 0),                    // DT_NULL
    ];
    for (i, (tag, val)) in entries.iter().enumerate() {
        put(&mut v, dynamic_off + i * DYN, &tag.to_le_bytes());
        put(&mut v, dynamic_off + i * DYN + 8, &val.to_le_bytes());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::read::elf::ElfFile64;
    use object::Object;

    fn u32_at(b: &[u8], o: usize) -> u32 {
        u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
    }
    fn u64_at(b: &[u8], o: usize) -> u64 {
        u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
    }

    /// Resolves `name` the way ld.so and musl do: PT_DYNAMIC -> DT_HASH/DT_SYMTAB/DT_STRTAB,
    /// walk the hash chain, return base + st_value.
    fn lookup(img: &[u8], base: u64, name: &str) -> Option<u64> {
        let phoff = u64_at(img, 32) as usize;
        let phnum = u16::from_le_bytes([img[56], img[57]]) as usize;
        let dynamic = (0..phnum)
            .map(|i| phoff + i * 56)
            .find(|&p| u32_at(img, p) == 2)
            .map(|p| u64_at(img, p + 16) as usize)?;
        let (mut hash, mut symtab, mut strtab) = (0, 0, 0);
        let mut d = dynamic;
        loop {
            let (tag, val) = (u64_at(img, d), u64_at(img, d + 8) as usize);
            match tag {
                0 => break,
                4 => hash = val,
                5 => strtab = val,
                6 => symtab = val,
                _ => {}
            }
            d += 16;
        }
        let nbucket = u32_at(img, hash) as usize;
        let h = elf_hash(name.as_bytes()) as usize % nbucket;
        let mut i = u32_at(img, hash + 8 + 4 * h) as usize;
        while i != 0 {
            let sym = symtab + i * 24;
            let n = strtab + u32_at(img, sym) as usize;
            let end = img[n..].iter().position(|&c| c == 0)? + n;
            if &img[n..end] == name.as_bytes() {
                return Some(base.wrapping_add(u64_at(img, sym + 8)));
            }
            i = u32_at(img, hash + 8 + 4 * nbucket + 4 * i) as usize;
        }
        None
    }

    #[test]
    fn the_image_is_an_elf_whose_symbols_resolve_to_the_given_addresses() {
        let base = 0x7fff_f7ff_0000u64;
        let syms = [
            ("__vdso_clock_gettime", 0xffff_ffff_8010_2340u64),
            ("__vdso_time", 0xffff_ffff_8010_2400),
            ("__vdso_gettimeofday", 0xffff_ffff_8010_2480),
        ];
        let img = image(base, &syms);
        let elf = ElfFile64::<object::Endianness>::parse(&*img).expect("a valid ELF header");
        assert_eq!(elf.kind(), object::ObjectKind::Dynamic);
        for (n, a) in syms {
            assert_eq!(lookup(&img, base, n), Some(a), "{n}");
        }
        assert_eq!(lookup(&img, base, "__vdso_getcpu"), None);
    }
}
