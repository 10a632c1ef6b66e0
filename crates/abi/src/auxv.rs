//! ELF auxiliary vector tags (`AT_*` in `<linux/auxvec.h>`), the key/value pairs the kernel puts
//! above envp on the initial stack. A module of their own because their names collide with the
//! `*at()` flags in [`crate::fcntl`] (`AT_EMPTY_PATH` there, `AT_ENTRY` here).

/// End of the vector.
pub const AT_NULL: u64 = 0;
pub const AT_IGNORE: u64 = 1;
pub const AT_EXECFD: u64 = 2;
/// Address of the program headers in memory.
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
/// Load address of the interpreter (ld.so); 0 for a static program.
pub const AT_BASE: u64 = 7;
pub const AT_FLAGS: u64 = 8;
/// The program's entry point (not the interpreter's).
pub const AT_ENTRY: u64 = 9;
pub const AT_NOTELF: u64 = 10;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
/// Address of the string "x86_64".
pub const AT_PLATFORM: u64 = 15;
/// CPUID.1:EDX on x86.
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_BASE_PLATFORM: u64 = 24;
/// Address of 16 random bytes (glibc seeds the stack protector and pointer guard from them).
pub const AT_RANDOM: u64 = 25;
/// x86: bit 1 = FSGSBASE instructions usable.
pub const AT_HWCAP2: u64 = 26;
pub const AT_RSEQ_FEATURE_SIZE: u64 = 27;
pub const AT_RSEQ_ALIGN: u64 = 28;
pub const AT_HWCAP3: u64 = 29;
pub const AT_HWCAP4: u64 = 30;
/// Address of the path the program was executed as.
pub const AT_EXECFN: u64 = 31;
/// Address of the vDSO's ELF header.
pub const AT_SYSINFO_EHDR: u64 = 33;
/// Minimal signal stack size the kernel needs for a frame on this CPU.
pub const AT_MINSIGSTKSZ: u64 = 51;

/// The tag's name as `LD_SHOW_AUXV=1` prints it, without the `AT_` prefix.
pub const fn auxv_name(tag: u64) -> Option<&'static str> {
    Some(match tag {
        AT_NULL => "NULL",
        AT_IGNORE => "IGNORE",
        AT_EXECFD => "EXECFD",
        AT_PHDR => "PHDR",
        AT_PHENT => "PHENT",
        AT_PHNUM => "PHNUM",
        AT_PAGESZ => "PAGESZ",
        AT_BASE => "BASE",
        AT_FLAGS => "FLAGS",
        AT_ENTRY => "ENTRY",
        AT_NOTELF => "NOTELF",
        AT_UID => "UID",
        AT_EUID => "EUID",
        AT_GID => "GID",
        AT_EGID => "EGID",
        AT_PLATFORM => "PLATFORM",
        AT_HWCAP => "HWCAP",
        AT_CLKTCK => "CLKTCK",
        AT_SECURE => "SECURE",
        AT_BASE_PLATFORM => "BASE_PLATFORM",
        AT_RANDOM => "RANDOM",
        AT_HWCAP2 => "HWCAP2",
        AT_RSEQ_FEATURE_SIZE => "RSEQ_FEATURE_SIZE",
        AT_RSEQ_ALIGN => "RSEQ_ALIGN",
        AT_HWCAP3 => "HWCAP3",
        AT_HWCAP4 => "HWCAP4",
        AT_EXECFN => "EXECFN",
        AT_SYSINFO_EHDR => "SYSINFO_EHDR",
        AT_MINSIGSTKSZ => "MINSIGSTKSZ",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(auxv_name(AT_RANDOM), Some("RANDOM"));
        assert_eq!(auxv_name(AT_MINSIGSTKSZ), Some("MINSIGSTKSZ"));
        assert_eq!(auxv_name(32), None);
    }
}
