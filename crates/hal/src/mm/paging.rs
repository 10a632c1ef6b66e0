//! The page tables: one 4-level hierarchy for the whole machine. The upper half (PML4 entries
//! 256..512: direct map and kernel image) is fixed after boot; the lower half is the app's and
//! changes through the `user_*` functions below, on behalf of the memory manager.
//!
//! Hand-written rather than `x86_64::structures::paging::OffsetPageTable`: we need range
//! operations that skip empty tables (a `munmap` of a 64 GiB reservation touches only what was
//! mapped), a software bit for PROT_NONE pages that keep their contents, and ownership of the
//! frames a leaf maps, none of which that mapper offers.
//!
//! Frame ownership: a leaf owns its frame (freed on unmap) unless it carries `SW_SHARED`; such
//! a leaf maps a [`SharedFrame`] (a page of a file) and the handle that keeps the frame alive
//! sits in `SHARED`, keyed by the app address, until the leaf goes.

use alloc::collections::BTreeMap;

use super::shared_frame::SharedFrame;
use super::{frames, phys_to_virt, PhysAddr, DIRECT_MAP_BASE, PAGE_SIZE, USER_END};
use crate::boot::MemoryRegion;

const P: u64 = 1 << 0;
const W: u64 = 1 << 1;
const U: u64 = 1 << 2;
const PS: u64 = 1 << 7;
/// Software bit: the entry holds a frame although it is not present (PROT_NONE keeps data).
const SW_KEPT: u64 = 1 << 9;
/// Software bit: the frame is a `SharedFrame` held in `SHARED`, not owned by the entry.
const SW_SHARED: u64 = 1 << 10;
const NX: u64 = 1 << 63;
const ADDR: u64 = 0x000f_ffff_ffff_f000;

/// Access rights of an app page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Perm {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Perm {
    pub const NONE: Perm = Perm {
        read: false,
        write: false,
        exec: false,
    };

    fn accessible(self) -> bool {
        self.read || self.write || self.exec
    }

    fn leaf_bits(self) -> u64 {
        let mut b = U;
        if self.accessible() {
            b |= P;
        } else {
            b |= SW_KEPT;
        }
        if self.write {
            b |= W;
        }
        if !self.exec {
            b |= NX;
        }
        b
    }

    fn from_leaf(e: u64) -> Perm {
        if e & P == 0 {
            return Perm::NONE;
        }
        Perm {
            read: true,
            write: e & W != 0,
            exec: e & NX == 0,
        }
    }
}

/// The handles of the shared frames mapped in the app, by app page address. Changed only
/// together with the entry itself (under the memory manager's lock).
static SHARED: spin::Mutex<BTreeMap<u64, SharedFrame>> = spin::Mutex::new(BTreeMap::new());

/// Gives up whatever the old leaf entry `e` at `va` held: frees an owned frame, drops the
/// page tables' handle on a shared one.
fn release(va: u64, e: u64) {
    if e & SW_SHARED != 0 {
        // Dropped after the lock is released: the last handle frees the frame.
        let handle = SHARED.lock().remove(&va);
        drop(handle);
    } else {
        frames::free(PhysAddr(e & ADDR));
    }
}

/// The page tables ran out of frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory;

fn cr3() -> PhysAddr {
    let (frame, _) = x86_64::registers::control::Cr3::read_raw();
    PhysAddr(frame.start_address().as_u64())
}

fn table(p: PhysAddr) -> *mut u64 {
    phys_to_virt(p) as *mut u64
}

fn read_entry(t: PhysAddr, i: usize) -> u64 {
    // SAFETY: `t` is a page-table frame (from CR3 or a present non-leaf entry), mapped in the
    // direct map; i < 512.
    unsafe { table(t).add(i).read_volatile() }
}

fn write_entry(t: PhysAddr, i: usize, v: u64) {
    // SAFETY: as in read_entry. Page tables are only changed by this module, under the memory
    // manager's lock for the lower half, and by boot code before anything else runs.
    unsafe { table(t).add(i).write_volatile(v) }
}

fn invlpg(va: u64) {
    x86_64::instructions::tlb::flush(x86_64::VirtAddr::new_truncate(va));
}

/// After a change to the app's page `va` (already flushed here): the other CPUs running app
/// code drop it too (a no-op while the app runs on one CPU).
fn shootdown_page(va: u64) {
    crate::cpu::tlb::shootdown(va, va + PAGE_SIZE);
}

fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * level)) & 511) as usize
}

/// Sets up the final kernel half: extends the direct map over RAM above 4 GiB (the boot tables
/// cover 0..4 GiB) and removes the identity map the boot needed, so the whole lower half is the
/// app's.
pub(crate) fn init_kernel_space(memory: &[MemoryRegion]) {
    let root = cr3();
    let top = memory.iter().map(|r| r.end).max().unwrap_or(0);
    let mut pa = 4u64 << 30;
    while pa < top {
        // Map [pa, pa + 2 MiB) if any RAM region touches it.
        if memory
            .iter()
            .any(|r| r.start < pa + (2 << 20) && r.end > pa)
        {
            let va = DIRECT_MAP_BASE + pa;
            let pd = walk_create(root, va, 1, 0).expect("no memory for the direct map");
            write_entry(pd, index(va, 1), pa | P | W | PS | NX);
        }
        pa += 2 << 20;
    }
    write_entry(root, 0, 0);
    x86_64::instructions::tlb::flush_all();
}

/// Makes sure the direct map covers physical `[start, end)` (for firmware tables above 4 GiB,
/// which are not RAM and so not mapped by `init_kernel_space`). Boot only.
pub(crate) fn direct_map_range(start: u64, end: u64) -> Result<(), OutOfMemory> {
    let root = cr3();
    let mut pa = start & !((2 << 20) - 1);
    while pa < end {
        let va = DIRECT_MAP_BASE + pa;
        let pd = walk_create(root, va, 1, 0)?;
        if read_entry(pd, index(va, 1)) & P == 0 {
            write_entry(pd, index(va, 1), pa | P | W | PS | NX);
        }
        pa += 2 << 20;
    }
    Ok(())
}

extern "C" {
    static boot_pdpt_low: u8;
}

/// Writes, in the page-table frame `at` (below 4 GiB, so a 32-bit CR3 can hold it), a root
/// table for CPUs coming up through the AP trampoline: the kernel's own upper half (direct map
/// and kernel image; those entries never change after boot) plus the boot identity map of
/// 0..4 GiB in entry 0, which the trampoline needs at the moment paging turns on. The AP moves
/// to the kernel's root ([`kernel_root`]) as soon as it runs in the high half.
pub(crate) fn write_trampoline_root(at: PhysAddr) {
    let root = cr3();
    for i in 0..512 {
        write_entry(at, i, if i >= 256 { read_entry(root, i) } else { 0 });
    }
    let low = core::ptr::addr_of!(boot_pdpt_low) as u64 - super::KERNEL_VMA;
    write_entry(at, 0, low | P | W);
}

/// The physical address of the kernel's root page table (what CR3 holds on every CPU once it
/// runs in the high half; read on the boot CPU).
pub(crate) fn kernel_root() -> PhysAddr {
    cr3()
}

/// Walks from the root down to the table at `level` (0 = page table) for `va`, creating
/// missing intermediate tables with `extra` bits (U for the app's half).
fn walk_create(root: PhysAddr, va: u64, level: u32, extra: u64) -> Result<PhysAddr, OutOfMemory> {
    let mut t = root;
    let mut l = 3;
    while l > level {
        let i = index(va, l);
        let e = read_entry(t, i);
        t = if e & P != 0 {
            PhysAddr(e & ADDR)
        } else {
            let f = frames::alloc_zeroed().ok_or(OutOfMemory)?;
            write_entry(t, i, f.0 | P | W | extra);
            f
        };
        l -= 1;
    }
    Ok(t)
}

/// The page table (level 0) holding `va`, if it exists.
fn walk(va: u64) -> Option<PhysAddr> {
    let mut t = cr3();
    for l in (1..=3).rev() {
        let e = read_entry(t, index(va, l));
        if e & P == 0 || e & PS != 0 {
            return None;
        }
        t = PhysAddr(e & ADDR);
    }
    Some(t)
}

fn check_user(va: u64) {
    assert!(
        va < USER_END && va % PAGE_SIZE == 0,
        "bad app page address {va:#x}"
    );
}

/// Maps `frame` at app address `va`. The page table takes ownership of the frame: it is freed
/// when the page is unmapped. An existing mapping at `va` is replaced (and its frame freed).
pub fn user_map(va: u64, frame: PhysAddr, perm: Perm) -> Result<(), OutOfMemory> {
    check_user(va);
    let pt = walk_create(cr3(), va, 0, U)?;
    let i = index(va, 0);
    let old = read_entry(pt, i);
    write_entry(pt, i, frame.0 | perm.leaf_bits());
    if old & (P | SW_KEPT) != 0 {
        invlpg(va);
        shootdown_page(va);
        // Freed only once no CPU can still reach it through a stale TLB entry.
        release(va, old);
    }
    Ok(())
}

/// Maps the shared frame `frame` at app address `va`, keeping a handle on it while mapped
/// (the frame is not freed on unmap unless that was the last handle). An existing mapping at
/// `va` is replaced.
pub fn user_map_shared(va: u64, frame: &SharedFrame, perm: Perm) -> Result<(), OutOfMemory> {
    check_user(va);
    let pt = walk_create(cr3(), va, 0, U)?;
    let i = index(va, 0);
    let old = read_entry(pt, i);
    let previous = SHARED.lock().insert(va, frame.clone());
    write_entry(pt, i, frame.phys().0 | perm.leaf_bits() | SW_SHARED);
    if old & (P | SW_KEPT) != 0 {
        invlpg(va);
        shootdown_page(va);
        // Freed only once no CPU can reach it any more. A shared old entry's handle was
        // `previous`, replaced in the map just above and dropped below.
        if old & SW_SHARED == 0 {
            frames::free(PhysAddr(old & ADDR));
        }
    }
    drop(previous);
    Ok(())
}

/// Maps a fresh zero-filled frame at `va`.
pub fn user_map_zeroed(va: u64, perm: Perm) -> Result<(), OutOfMemory> {
    let f = frames::alloc_zeroed().ok_or(OutOfMemory)?;
    user_map(va, f, perm).inspect_err(|_| frames::free(f))
}

/// Maps a fresh frame holding `data` (at most a page; the rest is zero) at `va`.
pub fn user_map_with(va: u64, perm: Perm, data: &[u8]) -> Result<(), OutOfMemory> {
    let f = frames::alloc_zeroed().ok_or(OutOfMemory)?;
    let n = data.len().min(PAGE_SIZE as usize);
    // SAFETY: `f` is a frame we own, mapped in the direct map, PAGE_SIZE >= n bytes long; `data`
    // is a kernel slice that cannot overlap a frame that was free until now.
    unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), phys_to_virt(f), n) };
    user_map(va, f, perm).inspect_err(|_| frames::free(f))
}

/// The frame and rights of the app page at `va`, if it holds one.
pub fn user_translate(va: u64) -> Option<(PhysAddr, Perm)> {
    check_user(va);
    let pt = walk(va)?;
    let e = read_entry(pt, index(va, 0));
    if e & (P | SW_KEPT) == 0 {
        return None;
    }
    Some((PhysAddr(e & ADDR), Perm::from_leaf(e)))
}

/// Moves the page mapped at `from` to `to` (which maps nothing), with its rights and, for a
/// shared frame, its handle (mremap moves pages this way, without copying). False if nothing
/// was mapped at `from`. When no page table can be made for `to` the page is dropped, as
/// memory an out-of-memory mremap would lose.
pub fn user_move(from: u64, to: u64) -> bool {
    check_user(from);
    check_user(to);
    let Some(src) = walk(from) else {
        return false;
    };
    let i = index(from, 0);
    let e = read_entry(src, i);
    if e & (P | SW_KEPT) == 0 {
        return false;
    }
    write_entry(src, i, 0);
    invlpg(from);
    shootdown_page(from);
    match walk_create(cr3(), to, 0, U) {
        Ok(dst) => {
            let j = index(to, 0);
            let old = read_entry(dst, j);
            if old & (P | SW_KEPT) != 0 {
                // The caller promised an empty destination; never leak what was there.
                write_entry(dst, j, 0);
                invlpg(to);
                shootdown_page(to);
                release(to, old);
            }
            if e & SW_SHARED != 0 {
                let mut shared = SHARED.lock();
                if let Some(h) = shared.remove(&from) {
                    shared.insert(to, h);
                }
            }
            write_entry(dst, j, e);
        }
        Err(OutOfMemory) => release(from, e),
    }
    true
}

/// Calls `f(va, entry_slot)` for every page-table entry that holds a frame in `[start, end)`,
/// skipping absent tables wholesale.
fn for_each_leaf(start: u64, end: u64, mut f: impl FnMut(u64, PhysAddr, usize)) {
    fn rec(
        t: PhysAddr,
        level: u32,
        base: u64,
        start: u64,
        end: u64,
        f: &mut dyn FnMut(u64, PhysAddr, usize),
    ) {
        let span = 1u64 << (12 + 9 * level);
        let first = if start > base {
            ((start - base) / span) as usize
        } else {
            0
        };
        for i in first..512 {
            let va = base + i as u64 * span;
            if va >= end {
                break;
            }
            let e = read_entry(t, i);
            if level == 0 {
                if e & (P | SW_KEPT) != 0 {
                    f(va, t, i);
                }
            } else if e & P != 0 && e & PS == 0 {
                rec(PhysAddr(e & ADDR), level - 1, va, start.max(va), end, f);
            }
        }
    }
    let end = end.min(USER_END);
    if start < end {
        rec(cr3(), 3, 0, start, end, &mut f);
    }
}

/// Unmaps every page in `[start, end)` and frees the frames. Returns how many pages it unmapped.
/// Frames are freed in batches, each after the other CPUs running app code have dropped the
/// pages (so no stale translation can write into a frame that has been reused).
pub fn user_unmap_range(start: u64, end: u64) -> u64 {
    const BATCH: usize = 64;
    // (address, entry) of unmapped pages, released once every CPU has flushed them.
    let mut batch = [(0u64, 0u64); BATCH];
    let mut held = 0;
    let mut from = start;
    let mut n = 0;
    for_each_leaf(start, end, |va, t, i| {
        let e = read_entry(t, i);
        write_entry(t, i, 0);
        invlpg(va);
        batch[held] = (va, e);
        held += 1;
        n += 1;
        if held == BATCH {
            crate::cpu::tlb::shootdown(from, va + PAGE_SIZE);
            batch.iter().for_each(|&(a, e)| release(a, e));
            held = 0;
            from = va + PAGE_SIZE;
        }
    });
    if held > 0 {
        crate::cpu::tlb::shootdown(from, end);
        batch[..held].iter().for_each(|&(a, e)| release(a, e));
    }
    n
}

/// Changes the rights of every mapped page in `[start, end)`.
pub fn user_protect_range(start: u64, end: u64, perm: Perm) {
    let mut any = false;
    for_each_leaf(start, end, |va, t, i| {
        let e = read_entry(t, i);
        write_entry(t, i, (e & (ADDR | SW_SHARED)) | perm.leaf_bits());
        invlpg(va);
        any = true;
    });
    if any {
        crate::cpu::tlb::shootdown(start, end);
    }
}

/// Copies `data` into the frame mapped at app page `va` at `offset`, bypassing the page's
/// rights (the loader fills read-only segments this way). False if nothing is mapped there.
pub fn user_fill(va: u64, offset: usize, data: &[u8]) -> bool {
    let Some((frame, _)) = user_translate(va) else {
        return false;
    };
    let n = data
        .len()
        .min(PAGE_SIZE as usize - offset.min(PAGE_SIZE as usize));
    // SAFETY: the frame belongs to the app's page table and is mapped in the direct map;
    // offset + n <= PAGE_SIZE.
    unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), phys_to_virt(frame).add(offset), n) };
    true
}
