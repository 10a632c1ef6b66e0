//! The initial process stack, byte for byte as Linux builds it (fs/exec.c copies the strings,
//! fs/binfmt_elf.c `create_elf_tables` writes the tables).
//!
//! From `stack_top` down:
//! ```text
//!   8 zero bytes                 (Linux starts bprm->p one pointer below the top)
//!   exec filename\0              (AT_EXECFN points here)
//!   envp strings\0 ...           (envp[0] lowest)
//!   argv strings\0 ...           (argv[0] lowest)
//!   -- align down to 16 --
//!   "x86_64\0"                   (AT_PLATFORM)
//!   16 random bytes              (AT_RANDOM)
//!   padding so that rsp is 16-byte aligned
//!   auxv pairs ... AT_NULL
//!   envp pointers, NULL
//!   argv pointers, NULL
//!   argc                         <- rsp
//! ```

use alloc::vec;
use alloc::vec::Vec;
use osprey_abi::Errno;

use crate::auxv::*;
use crate::parse::ElfInfo;
use crate::plan::PAGE_SIZE;

/// Linux's limit on one argument or environment string, NUL included.
pub const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE as usize;
/// The default `RLIMIT_STACK` (8 MiB); a quarter of it bounds the argument area.
pub const DEFAULT_STACK_RLIMIT: u64 = 8 << 20;
/// Linux's `ARG_MAX`: the argument area is never limited below this.
const ARG_MAX: u64 = 32 * PAGE_SIZE;
/// Linux's `_STK_LIM / 4 * 3`: the argument area is never larger than this.
const ARG_LIMIT_CAP: u64 = (8 << 20) / 4 * 3;
const PLATFORM: &[u8] = b"x86_64\0";

/// Values of the auxiliary vector that depend on the program and the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuxValues {
    /// The vDSO's ELF header address; `None` omits AT_SYSINFO_EHDR.
    pub sysinfo_ehdr: Option<u64>,
    /// Minimum signal stack size the kernel's signal frames need (Linux computes it from the
    /// xsave size; 3376 on an AVX2 machine).
    pub minsigstksz: u64,
    /// CPUID.1:EDX, as Linux's ELF_HWCAP.
    pub hwcap: u64,
    /// Linux's ELF_HWCAP2 (bit 1 = FSGSBASE).
    pub hwcap2: u64,
    /// Biased address of the executable's program headers.
    pub phdr: u64,
    pub phent: u64,
    pub phnum: u64,
    /// Load address of the interpreter, 0 for a static program.
    pub base: u64,
    pub flags: u64,
    /// The *executable's* biased entry (not the interpreter's).
    pub entry: u64,
    pub uid: u64,
    pub euid: u64,
    pub gid: u64,
    pub egid: u64,
    pub secure: bool,
    /// `(AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN)`, only if the kernel implements rseq.
    pub rseq: Option<(u64, u64)>,
}

impl AuxValues {
    /// AT_PHDR/AT_PHENT/AT_PHNUM/AT_ENTRY from the executable loaded at `bias`, AT_BASE from
    /// `interp_base` (0 without an interpreter), everything else at a root process's defaults.
    pub fn for_program(exe: &ElfInfo, bias: u64, interp_base: u64) -> AuxValues {
        AuxValues {
            sysinfo_ehdr: None,
            minsigstksz: 3376,
            hwcap: 0,
            hwcap2: 0,
            phdr: exe.phdr_at(bias),
            phent: u64::from(exe.phent),
            phnum: u64::from(exe.phnum),
            base: interp_base,
            flags: 0,
            entry: exe.entry_at(bias),
            uid: 0,
            euid: 0,
            gid: 0,
            egid: 0,
            secure: false,
            rseq: None,
        }
    }
}

/// The built stack image and the addresses inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialStack {
    /// Bytes to place so that they end at `stack_top`: `bytes[0]` goes at `rsp`.
    pub bytes: Vec<u8>,
    /// The initial stack pointer (16-byte aligned, pointing at argc).
    pub rsp: u64,
    pub argc: u64,
    /// Address of argv[0]'s pointer (`rsp + 8`).
    pub argv: u64,
    /// Address of envp[0]'s pointer.
    pub envp: u64,
    /// Address of the first auxv pair.
    pub auxv_addr: u64,
    /// The auxv pairs as written (AT_NULL included), e.g. for /proc/self/auxv.
    pub auxv: Vec<(u64, u64)>,
    pub execfn: u64,
    pub random: u64,
    pub platform: u64,
    /// Lowest and end address of the argument and environment strings (/proc/self/cmdline
    /// reads `[arg_start, arg_end)`, /proc/self/environ `[env_start, env_end)`).
    pub arg_start: u64,
    pub arg_end: u64,
    pub env_start: u64,
    pub env_end: u64,
}

/// [`build_stack_with_limit`] with the default 8 MiB stack rlimit.
pub fn build_stack(
    stack_top: u64,
    argv: &[&[u8]],
    envp: &[&[u8]],
    execfn: &[u8],
    random: [u8; 16],
    aux: &AuxValues,
) -> Result<InitialStack, Errno> {
    build_stack_with_limit(
        stack_top,
        argv,
        envp,
        execfn,
        random,
        aux,
        DEFAULT_STACK_RLIMIT,
    )
}

/// Build the initial stack that ends at `stack_top` (16-byte aligned, e.g. 0x7fff_ffff_f000).
///
/// Strings are given without their NUL; one containing a NUL is refused with EINVAL (it could
/// not have come through execve). E2BIG when a string is longer than [`MAX_ARG_STRLEN`] or all
/// strings and pointers exceed a quarter of `stack_rlimit` (Linux's `bprm_stack_limits`). An
/// empty argv gets an empty argv[0], as Linux does since 5.18.
pub fn build_stack_with_limit(
    stack_top: u64,
    argv: &[&[u8]],
    envp: &[&[u8]],
    execfn: &[u8],
    random: [u8; 16],
    aux: &AuxValues,
    stack_rlimit: u64,
) -> Result<InitialStack, Errno> {
    if stack_top % 16 != 0 {
        return Err(Errno::EINVAL);
    }
    let empty: [&[u8]; 1] = [b""];
    let argv = if argv.is_empty() { &empty[..] } else { argv };
    let all = || {
        argv.iter()
            .chain(envp.iter())
            .chain(core::iter::once(&execfn))
    };
    if all().any(|s| s.contains(&0)) {
        return Err(Errno::EINVAL);
    }
    if all().any(|s| s.len() + 1 > MAX_ARG_STRLEN) {
        return Err(Errno::E2BIG);
    }
    let limit = (stack_rlimit / 4).clamp(ARG_MAX, ARG_LIMIT_CAP);
    let ptr_size = (argv.len() as u64 + envp.len() as u64) * 8;
    let strings: u64 = all().map(|s| s.len() as u64 + 1).sum();
    if ptr_size >= limit || strings > limit - ptr_size {
        return Err(Errno::E2BIG);
    }

    // Addresses, top down. Nothing below can underflow: the total is bounded by `limit` plus
    // a few hundred bytes, and the caller's stack_top is in the user half.
    let mut p = stack_top - 8;
    p -= execfn.len() as u64 + 1;
    let execfn_addr = p;
    let env_end = p;
    let mut env_addrs = vec![0u64; envp.len()];
    for (i, s) in envp.iter().enumerate().rev() {
        p -= s.len() as u64 + 1;
        env_addrs[i] = p;
    }
    let env_start = p;
    let arg_end = p;
    let mut arg_addrs = vec![0u64; argv.len()];
    for (i, s) in argv.iter().enumerate().rev() {
        p -= s.len() as u64 + 1;
        arg_addrs[i] = p;
    }
    let arg_start = p;
    p &= !15;
    p -= PLATFORM.len() as u64;
    let platform_addr = p;
    p -= 16;
    let random_addr = p;

    let mut auxv: Vec<(u64, u64)> = Vec::with_capacity(24);
    if let Some(ehdr) = aux.sysinfo_ehdr {
        auxv.push((AT_SYSINFO_EHDR, ehdr));
    }
    auxv.push((AT_MINSIGSTKSZ, aux.minsigstksz));
    auxv.push((AT_HWCAP, aux.hwcap));
    auxv.push((AT_PAGESZ, PAGE_SIZE));
    auxv.push((AT_CLKTCK, 100));
    auxv.push((AT_PHDR, aux.phdr));
    auxv.push((AT_PHENT, aux.phent));
    auxv.push((AT_PHNUM, aux.phnum));
    auxv.push((AT_BASE, aux.base));
    auxv.push((AT_FLAGS, aux.flags));
    auxv.push((AT_ENTRY, aux.entry));
    auxv.push((AT_UID, aux.uid));
    auxv.push((AT_EUID, aux.euid));
    auxv.push((AT_GID, aux.gid));
    auxv.push((AT_EGID, aux.egid));
    auxv.push((AT_SECURE, u64::from(aux.secure)));
    auxv.push((AT_RANDOM, random_addr));
    auxv.push((AT_HWCAP2, aux.hwcap2));
    auxv.push((AT_EXECFN, execfn_addr));
    auxv.push((AT_PLATFORM, platform_addr));
    if let Some((size, align)) = aux.rseq {
        auxv.push((AT_RSEQ_FEATURE_SIZE, size));
        auxv.push((AT_RSEQ_ALIGN, align));
    }
    auxv.push((AT_NULL, 0));

    // Linux: sp = STACK_ADD(p, ei_index); sp = STACK_ROUND(sp, items).
    let items = (argv.len() as u64 + 1) + (envp.len() as u64 + 1) + 1;
    let sp = (p - auxv.len() as u64 * 16 - items * 8) & !15;

    let mut img = Image {
        base: sp,
        bytes: vec![0u8; (stack_top - sp) as usize],
    };
    let mut w = sp;
    img.put_u64(w, argv.len() as u64);
    w += 8;
    let argv_addr = w;
    for &a in &arg_addrs {
        img.put_u64(w, a);
        w += 8;
    }
    w += 8; // NULL
    let envp_addr = w;
    for &e in &env_addrs {
        img.put_u64(w, e);
        w += 8;
    }
    w += 8; // NULL
    let auxv_addr = w;
    for &(k, v) in &auxv {
        img.put_u64(w, k);
        img.put_u64(w + 8, v);
        w += 16;
    }
    img.put(random_addr, &random);
    img.put(platform_addr, PLATFORM);
    for (s, &a) in argv.iter().zip(&arg_addrs) {
        img.put(a, s);
    }
    for (s, &a) in envp.iter().zip(&env_addrs) {
        img.put(a, s);
    }
    img.put(execfn_addr, execfn);

    Ok(InitialStack {
        bytes: img.bytes,
        rsp: sp,
        argc: argv.len() as u64,
        argv: argv_addr,
        envp: envp_addr,
        auxv_addr,
        auxv,
        execfn: execfn_addr,
        random: random_addr,
        platform: platform_addr,
        arg_start,
        arg_end,
        env_start,
        env_end,
    })
}

/// The stack image under construction, addressed by the addresses it will have.
struct Image {
    base: u64,
    bytes: Vec<u8>,
}

impl Image {
    fn put(&mut self, addr: u64, data: &[u8]) {
        let off = (addr - self.base) as usize;
        self.bytes[off..off + data.len()].copy_from_slice(data);
        // The NUL terminator is already there: the image starts zeroed.
    }

    fn put_u64(&mut self, addr: u64, v: u64) {
        self.put(addr, &v.to_le_bytes());
    }
}
