//! Copies between the kernel and app memory.
//!
//! The app shares our address space, so its pointers are plain addresses in the lower half.
//! Every access goes through these functions, which (1) refuse any range that is not entirely
//! below [`USER_END`], so a kernel address from the app is EFAULT before anything is touched,
//! and (2) copy with `rep movsb`/`rep stosb` at addresses listed in the trap code's fixup table:
//! a page fault there that the memory manager cannot resolve (no mapping, wrong rights) resumes
//! at a fixup label that returns the number of bytes not copied. So a bad pointer is always an
//! error, never a kernel fault, and demand paging works transparently during copies.

use core::arch::global_asm;

use super::USER_END;

global_asm!(
    r#"
.section .text.usercopy, "ax"
.global osprey_usercopy
.global osprey_usercopy_insn
.global osprey_usercopy_fixup
// rdi = destination, rsi = source, rdx = length; returns rax = bytes not copied.
osprey_usercopy:
    mov %rdx, %rcx
osprey_usercopy_insn:
    rep movsb
    xor %eax, %eax
    ret
osprey_usercopy_fixup:
    mov %rcx, %rax
    ret

.global osprey_userfill
.global osprey_userfill_insn
.global osprey_userfill_fixup
// rdi = destination, rsi = byte, rdx = length; returns rax = bytes not written.
osprey_userfill:
    mov %rdx, %rcx
    mov %esi, %eax
osprey_userfill_insn:
    rep stosb
    xor %eax, %eax
    ret
osprey_userfill_fixup:
    mov %rcx, %rax
    ret

// One aligned 32-bit word, for futexes: a single load or a locked compare-exchange instead of
// a byte loop (rep movsb runs byte by byte under TCG), and atomic against other CPUs.
// Both return the word zero-extended in rax, or bit 32 set if the access faulted.
.global osprey_user_read_u32
.global osprey_user_read_u32_insn
.global osprey_user_word_fixup
// rdi = address.
osprey_user_read_u32:
osprey_user_read_u32_insn:
    mov (%rdi), %eax
    ret
osprey_user_word_fixup:
    mov $0x100000000, %rax
    ret

.global osprey_user_cmpxchg_u32
.global osprey_user_cmpxchg_u32_insn
// rdi = address, esi = expected, edx = new; returns the old value.
osprey_user_cmpxchg_u32:
    mov %esi, %eax
osprey_user_cmpxchg_u32_insn:
    lock cmpxchg %edx, (%rdi)
    ret
"#,
    options(att_syntax)
);

extern "C" {
    fn osprey_usercopy(dst: *mut u8, src: *const u8, len: usize) -> usize;
    fn osprey_userfill(dst: *mut u8, byte: u32, len: usize) -> usize;
    static osprey_usercopy_insn: u8;
    static osprey_usercopy_fixup: u8;
    static osprey_userfill_insn: u8;
    static osprey_userfill_fixup: u8;
    fn osprey_user_read_u32(addr: *const u32) -> u64;
    fn osprey_user_cmpxchg_u32(addr: *mut u32, expected: u32, new: u32) -> u64;
    static osprey_user_read_u32_insn: u8;
    static osprey_user_cmpxchg_u32_insn: u8;
    static osprey_user_word_fixup: u8;
}

fn word_ok(addr: u64) -> bool {
    addr % 4 == 0 && user_range_ok(addr, 4)
}

fn word_result(v: u64) -> Result<u32, BadAddress> {
    if v >> 32 != 0 {
        Err(BadAddress)
    } else {
        Ok(v as u32)
    }
}

/// Reads the aligned 32-bit word at app address `addr` with one load.
pub fn read_u32(addr: u64) -> Result<u32, BadAddress> {
    if !word_ok(addr) {
        return Err(BadAddress);
    }
    // SAFETY: an aligned word entirely in the app's half; a fault in the load is caught by the
    // fixup table.
    word_result(unsafe { osprey_user_read_u32(addr as *const u32) })
}

/// Atomically replaces the aligned word at app address `addr` with `new` if it holds
/// `expected`; returns the value it held (equal to `expected` when the swap happened).
pub fn cmpxchg_u32(addr: u64, expected: u32, new: u32) -> Result<u32, BadAddress> {
    if !word_ok(addr) {
        return Err(BadAddress);
    }
    // SAFETY: as in read_u32; the locked instruction writes only that word, and write-protected
    // app pages fault (CR0.WP) into the fixup or are made writable by the fault handler.
    word_result(unsafe { osprey_user_cmpxchg_u32(addr as *mut u32, expected, new) })
}

/// An app address range could not be accessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadAddress;

fn user_range_ok(addr: u64, len: usize) -> bool {
    match addr.checked_add(len as u64) {
        Some(end) => end <= USER_END,
        None => false,
    }
}

/// Copies `dst.len()` bytes from app address `src`.
pub fn copy_from_user(dst: &mut [u8], src: u64) -> Result<(), BadAddress> {
    if dst.is_empty() {
        return Ok(());
    }
    if !user_range_ok(src, dst.len()) {
        return Err(BadAddress);
    }
    // SAFETY: `dst` is a valid kernel buffer of that length; `src..src+len` lies entirely in the
    // app's half, where a fault in the copy instruction is caught by the fixup table and turned
    // into a short count instead of a kernel fault.
    let left = unsafe { osprey_usercopy(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    if left == 0 {
        Ok(())
    } else {
        Err(BadAddress)
    }
}

/// Copies `src` to app address `dst`.
pub fn copy_to_user(dst: u64, src: &[u8]) -> Result<(), BadAddress> {
    if src.is_empty() {
        return Ok(());
    }
    if !user_range_ok(dst, src.len()) {
        return Err(BadAddress);
    }
    // SAFETY: as in copy_from_user, with the app range as the destination: writes can only
    // reach the lower half, and write-protected app pages fault (CR0.WP) into the fixup.
    let left = unsafe { osprey_usercopy(dst as *mut u8, src.as_ptr(), src.len()) };
    if left == 0 {
        Ok(())
    } else {
        Err(BadAddress)
    }
}

/// Fills `len` bytes at app address `dst` with `byte`.
pub fn fill_user(dst: u64, byte: u8, len: usize) -> Result<(), BadAddress> {
    if len == 0 {
        return Ok(());
    }
    if !user_range_ok(dst, len) {
        return Err(BadAddress);
    }
    // SAFETY: as in copy_to_user.
    let left = unsafe { osprey_userfill(dst as *mut u8, byte as u32, len) };
    if left == 0 {
        Ok(())
    } else {
        Err(BadAddress)
    }
}

/// If `rip` is one of the user-copy instructions, the address to resume at instead.
pub(crate) fn fixup_for(rip: u64) -> Option<u64> {
    let pairs = [
        (
            core::ptr::addr_of!(osprey_usercopy_insn),
            core::ptr::addr_of!(osprey_usercopy_fixup),
        ),
        (
            core::ptr::addr_of!(osprey_userfill_insn),
            core::ptr::addr_of!(osprey_userfill_fixup),
        ),
        (
            core::ptr::addr_of!(osprey_user_read_u32_insn),
            core::ptr::addr_of!(osprey_user_word_fixup),
        ),
        (
            core::ptr::addr_of!(osprey_user_cmpxchg_u32_insn),
            core::ptr::addr_of!(osprey_user_word_fixup),
        ),
    ];
    pairs
        .iter()
        .find(|(insn, _)| *insn as u64 == rip)
        .map(|(_, fix)| *fix as u64)
}
