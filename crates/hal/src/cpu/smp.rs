//! The application processors (APs): bringing them up, and the interface a scheduler uses to
//! run code on them and to interrupt them.
//!
//! Bring-up is off the boot CPU's critical path: the boot CPU copies the real-mode trampoline
//! (`ap_trampoline.S`) to [`TRAMPOLINE`], sends the first AP the MADT lists an INIT and a
//! STARTUP IPI without waiting, and goes on booting. Each AP then climbs from real mode to long
//! mode on its own, takes a ticket (its CPU number is ticket + 1, so numbers are contiguous in
//! the order the APs arrive), sets itself up exactly as the boot CPU is set up (control
//! registers, vector state, its own GDT/TSS/IST stacks, the shared IDT, the syscall MSRs, its
//! LAPIC, its per-CPU block in GS base), takes one timer interrupt, counts itself online,
//! starts the next AP, and calls the kernel's AP entry ([`set_ap_entry`]) or, until there is
//! one, halts with interrupts on. One AP at a time: under TCG every vCPU is a host thread, and
//! an AP running its first (freshly translated) instructions takes host time from the boot CPU.
//!
//! [`crate::cpu::cpu_count`] counts the APs asked to start without waiting for them (boot does
//! not stall on them); whoever needs them all running calls [`wait_for_aps`], which waits,
//! halted, until every AP has arrived or [`AP_TIMEOUT_NS`] has passed since the IPIs went out
//! (an AP that never arrives is then left out of the count).
//!
//! INIT and STARTUP go out back to back, once each: the MP specification's delays (10 ms after
//! INIT, a second STARTUP after 200 us) are for physical CPUs. QEMU keeps a STARTUP that
//! arrives while the INIT is being processed pending, and so does KVM; Linux skips the INIT
//! delay on such machines too. (Tested under TCG; an AP that missed it would be reported
//! missing by `wait_for_aps`.)

use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::PhysFrame;

use super::percpu;
use crate::boot::MemoryRegion;
use crate::dev::lapic;
use crate::mm::{frames, paging, phys_to_virt, PhysAddr, PAGE_SIZE};

global_asm!(include_str!("ap_trampoline.S"), options(att_syntax));

/// Reserved IPI vector: "look at your run queue" (passed to the kernel's trap handler as
/// `Trap::Interrupt`).
pub const RESCHEDULE_VECTOR: u8 = 0xf0;
/// Reserved IPI vector: the receiving CPU stops for good (orderly shutdown). The hal handles it.
pub const HALT_VECTOR: u8 = 0xf1;
/// Reserved IPI vector: only wakes a halted CPU (the hal handles it and tells nobody).
pub const WAKE_VECTOR: u8 = 0xf2;

/// Physical page of the trampoline: STARTUP IPI vector 0x08. The first MiB is never given out
/// by the frame allocator.
pub const TRAMPOLINE: u64 = 0x8000;
/// Physical page of the trampoline's root page table (a 32-bit CR3 must point below 4 GiB).
const TRAMPOLINE_ROOT: u64 = 0x9000;
/// Physical page of the trampoline's data ([`TrampolineData`]): apart from the code, because
/// the APs write their tickets there and a write to a page holding translated code makes
/// TCG discard that code.
const TRAMPOLINE_DATA: u64 = 0x7000;
/// Each AP's boot stack (its kernel stack until the kernel gives it another).
const AP_STACK_BYTES: u64 = 64 * 1024;
/// How long [`wait_for_aps`] waits after the IPIs before giving up on missing APs.
pub const AP_TIMEOUT_NS: u64 = 2_000_000_000;

/// CPUs asked to come up, the boot CPU included.
static EXPECTED: AtomicUsize = AtomicUsize::new(1);
/// CPUs online, the boot CPU included.
static ONLINE: AtomicUsize = AtomicUsize::new(1);
/// The TSC when the STARTUP IPIs went out.
static STARTED_TSC: AtomicU64 = AtomicU64::new(0);
/// CPUs halted in `wait_for_aps`: the last AP to arrive wakes them.
static WAITERS: AtomicUsize = AtomicUsize::new(0);
/// The kernel's AP entry, a `fn(usize) -> !` (0: none yet).
static AP_ENTRY: AtomicUsize = AtomicUsize::new(0);
/// 1 + the number of the CPU stopping the others (panic or shutdown); 0 while none is.
static STOPPER: AtomicUsize = AtomicUsize::new(0);
/// What each ticket's AP starts with.
static AP_BOOT: spin::Once<alloc::vec::Vec<ApBoot>> = spin::Once::new();

struct ApBoot {
    stack_bottom: u64,
    stack_top: u64,
    percpu: *mut percpu::PerCpu,
}

// SAFETY: `percpu` points at a block only the AP holding that ticket uses (the boot CPU just
// allocates it); the rest is plain data.
unsafe impl Send for ApBoot {}
// SAFETY: as for Send: shared read-only, each AP taking its own entry.
unsafe impl Sync for ApBoot {}
/// The kernel's root page table (the boot CPU's CR3), which each AP loads once in the high half.
static KERNEL_ROOT: AtomicU64 = AtomicU64::new(0);
/// LAPIC IDs of the APs, in the order they are started (the MADT's).
static AP_IDS: spin::Once<alloc::vec::Vec<u32>> = spin::Once::new();

extern "C" {
    static osprey_ap_trampoline_start: u8;
    static osprey_ap_trampoline_end: u8;
}

/// The trampoline's data block at TRAMPOLINE_DATA (see ap_trampoline.S).
#[repr(C)]
struct TrampolineData {
    cr3: u64,
    ticket: u32,
    nstacks: u32,
    // followed by `nstacks` stack tops (u64)
}

/// Starts every AP in `lapic_ids` (the MADT's list, which includes the boot CPU) and returns
/// at once; false if there is none to start. `keep` are physical ranges the kernel still reads
/// (start info, command line, initramfs): the trampoline must not overwrite them; `memory` is
/// the RAM map.
pub(crate) fn start_aps(lapic_ids: &[u32], memory: &[MemoryRegion], keep: &[MemoryRegion]) -> bool {
    let me = lapic::id();
    percpu::set_boot_apic_id(me);
    let aps = || lapic_ids.iter().copied().filter(move |&id| id != me);
    let n = aps().count().min(percpu::MAX_CPUS - 1);
    if n == 0 {
        return false;
    }
    let pages = MemoryRegion {
        start: TRAMPOLINE_DATA,
        end: TRAMPOLINE_ROOT + PAGE_SIZE,
    };
    let in_ram = memory
        .iter()
        .any(|r| r.start <= pages.start && r.end >= pages.end);
    let clash = keep
        .iter()
        .any(|r| r.end > r.start && r.start < pages.end && r.end > pages.start);
    if !in_ram || clash {
        log::warn!("smp: the trampoline pages at {TRAMPOLINE:#x} are not free RAM; one CPU only");
        return false;
    }

    // Boot stacks: contiguous frames, not zeroed (a stack needs no initial contents); and a
    // per-CPU block each.
    let mut boot = alloc::vec::Vec::with_capacity(n);
    for _ in 0..n {
        let Some(p) = frames::alloc_contiguous(AP_STACK_BYTES / PAGE_SIZE) else {
            break;
        };
        let bottom = phys_to_virt(p) as u64;
        boot.push(ApBoot {
            stack_bottom: bottom,
            stack_top: bottom + AP_STACK_BYTES,
            percpu: percpu::alloc_ap_block(),
        });
    }
    let n = boot.len();
    let boot = AP_BOOT.call_once(|| boot);

    let start = core::ptr::addr_of!(osprey_ap_trampoline_start);
    let code_len = core::ptr::addr_of!(osprey_ap_trampoline_end) as usize - start as usize;
    assert!(code_len <= PAGE_SIZE as usize);
    assert!(
        16 + 8 * n <= PAGE_SIZE as usize,
        "too many CPUs for the trampoline data page"
    );
    // SAFETY: [TRAMPOLINE_DATA, TRAMPOLINE_ROOT + 4096) is RAM below 1 MiB that the frame
    // allocator never hands out and that holds nothing the kernel uses (checked above); no AP
    // runs yet, so nothing reads these pages while they are written. The code fits its page
    // and the stack array the data page (asserted); both pages are page-aligned.
    unsafe {
        core::ptr::copy_nonoverlapping(start, phys_to_virt(PhysAddr(TRAMPOLINE)), code_len);
        let data = phys_to_virt(PhysAddr(TRAMPOLINE_DATA)) as *mut TrampolineData;
        data.write(TrampolineData {
            cr3: TRAMPOLINE_ROOT,
            ticket: 0,
            nstacks: n as u32,
        });
        let tops = data.add(1) as *mut u64;
        for (i, b) in boot.iter().enumerate() {
            tops.add(i).write(b.stack_top);
        }
    }
    paging::write_trampoline_root(PhysAddr(TRAMPOLINE_ROOT));
    KERNEL_ROOT.store(paging::kernel_root().0, Ordering::Release);
    core::sync::atomic::fence(Ordering::SeqCst);

    AP_IDS.call_once(|| aps().take(n).collect());
    EXPECTED.store(1 + n, Ordering::Release);
    STARTED_TSC.store(crate::time::tsc(), Ordering::Relaxed);
    start_next(0);
    true
}

/// INIT and STARTUP to the AP that will take ticket `ticket`, if there is one. Each AP starts
/// the next once it is up, so at most one AP at a time runs its (slow, under TCG) first
/// instructions beside the boot CPU, and the boot CPU itself sends only two IPIs.
fn start_next(ticket: usize) {
    if let Some(&id) = AP_IDS.get().and_then(|ids| ids.get(ticket)) {
        lapic::send_init(id);
        lapic::send_startup(id, (TRAMPOLINE >> 12) as u8);
    }
}

/// Where an AP lands from the trampoline, on its boot stack, interrupts off, on the
/// trampoline's page table.
#[no_mangle]
extern "C" fn osprey_hal_ap_start(ticket: u32) -> ! {
    let root = KERNEL_ROOT.load(Ordering::Acquire);
    // SAFETY: the kernel's root maps everything this code and its stack use (kernel image,
    // direct map) exactly as the trampoline's root does; only the identity map goes away,
    // and nothing here runs from it.
    unsafe {
        Cr3::write(
            PhysFrame::from_start_address(x86_64::PhysAddr::new(root)).expect("aligned root"),
            Cr3Flags::empty(),
        )
    };
    let b = &AP_BOOT.get().expect("AP boot data set before the IPIs")[ticket as usize];
    let cpu = ticket as usize + 1;
    // The initial APIC ID (CPUID.1:EBX[31:24]) equals the LAPIC ID under xAPIC.
    let apic_id = raw_cpuid::cpuid!(1).ebx >> 24;
    percpu::init_ap(b.percpu, cpu, apic_id, b.stack_bottom, b.stack_top);
    super::init_ap();
    crate::trap::init();
    lapic::init();
    // Take one timer interrupt before counting as online: it proves this CPU's LAPIC timer,
    // IDT, IST stacks and interrupt return work. (If it never came, the CPU would stay halted
    // here and be reported missing by wait_for_aps rather than fail later.) Other interrupts
    // (a wake-up IPI) may end a halt first, hence the loop.
    lapic::arm_soon();
    loop {
        super::halt_unless(|| !lapic::timer_expired());
        if lapic::timer_expired() {
            break;
        }
    }
    x86_64::instructions::interrupts::disable();
    lapic::disarm();
    // Stopping, or so late that it was left out of the count: stay out.
    if stopping() || cpu >= EXPECTED.load(Ordering::Acquire) {
        halt_forever();
    }
    let online = ONLINE.fetch_add(1, Ordering::AcqRel) + 1;
    start_next(ticket as usize + 1);
    if online == EXPECTED.load(Ordering::Acquire) {
        crate::boot::mark("hal: all CPUs online");
        if WAITERS.load(Ordering::Acquire) > 0 {
            for c in (0..online).filter(|&c| c != cpu) {
                send_ipi(c, WAKE_VECTOR);
            }
        }
    }
    ap_idle(cpu)
}

/// An AP with nothing to do: runs the kernel's AP entry once there is one, halted until then.
pub(crate) fn ap_idle(cpu: usize) -> ! {
    loop {
        if let Some(f) = ap_entry() {
            x86_64::instructions::interrupts::enable();
            f(cpu);
        }
        super::halt_unless(|| ap_entry().is_none());
    }
}

fn ap_entry() -> Option<fn(usize) -> !> {
    let p = AP_ENTRY.load(Ordering::Acquire);
    // SAFETY: the only non-zero value ever stored is a `fn(usize) -> !` (set_ap_entry).
    (p != 0).then(|| unsafe { core::mem::transmute::<usize, fn(usize) -> !>(p) })
}

/// Registers the function every AP runs, with its CPU number, once it is ready (interrupts
/// on, on its 64 KiB boot stack, which is also its kernel stack until it sets another). APs
/// already waiting are woken; later ones call it as they arrive. Set it once.
pub fn set_ap_entry(f: fn(usize) -> !) {
    AP_ENTRY.store(f as usize, Ordering::Release);
    broadcast_ipi(WAKE_VECTOR);
}

/// Withdraws the AP entry (the hal's self-tests use one of their own before the kernel's).
pub(crate) fn clear_ap_entry() {
    AP_ENTRY.store(0, Ordering::Release);
}

fn done() -> bool {
    ONLINE.load(Ordering::Acquire) >= EXPECTED.load(Ordering::Acquire)
}

/// Waits (halted) until every AP asked to start is online, or until [`AP_TIMEOUT_NS`] after
/// the STARTUP IPIs; an AP that has not arrived by then is left out (and logged). Immediate
/// once bring-up is over, and on a one-CPU machine.
pub fn wait_for_aps() {
    if done() {
        return;
    }
    WAITERS.fetch_add(1, Ordering::AcqRel);
    let deadline = STARTED_TSC.load(Ordering::Relaxed) + crate::time::ns_to_tsc(AP_TIMEOUT_NS);
    crate::time::sleep_until(deadline, &done);
    WAITERS.fetch_sub(1, Ordering::AcqRel);
    give_up();
}

/// CPUs online now (the boot CPU included), without waiting for bring-up to finish.
pub fn online() -> usize {
    ONLINE.load(Ordering::Acquire)
}

/// Whether CPU `cpu` is up and running its idle loop or the kernel's AP entry.
pub fn is_online(cpu: usize) -> bool {
    cpu < online()
}

/// CPUs of this VM: online, or started and still within [`AP_TIMEOUT_NS`]. Past the timeout,
/// latecomers are given up on here too (without waiting), if the TSC rate is known.
pub(crate) fn cpu_count() -> usize {
    if !done() && crate::time::tsc_hz_known() {
        let deadline = STARTED_TSC.load(Ordering::Relaxed) + crate::time::ns_to_tsc(AP_TIMEOUT_NS);
        if crate::time::tsc() > deadline {
            give_up();
        }
    }
    EXPECTED.load(Ordering::Acquire)
}

fn give_up() {
    if !done() {
        let (on, exp) = (
            ONLINE.load(Ordering::Relaxed),
            EXPECTED.load(Ordering::Relaxed),
        );
        log::warn!("smp: only {on} of {exp} CPUs came up; going on without the others");
        EXPECTED.store(on, Ordering::Release);
    }
}

/// Sends interrupt `vector` to CPU `cpu` (a no-op for a CPU that is not online).
pub fn send_ipi(cpu: usize, vector: u8) {
    if let Some(apic) = percpu::apic_id(cpu) {
        lapic::send_ipi(apic, vector);
    }
}

/// Sends interrupt `vector` to every online CPU but the caller.
pub fn broadcast_ipi(vector: u8) {
    let me = percpu::cpu_id();
    for c in (0..online()).filter(|&c| c != me) {
        send_ipi(c, vector);
    }
}

/// Stops every other CPU, whatever it is doing (an NMI reaches it even with interrupts off),
/// so that a panic report or the exit path runs alone. If another CPU is already stopping the
/// machine, the caller stops too instead (one report wins); a second call on the stopping CPU
/// (a panic inside the panic handler) returns at once. APs that were still starting stop when
/// they arrive.
pub fn stop_other_cpus() {
    let me = percpu::cpu_id();
    match STOPPER.compare_exchange(0, me + 1, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {}
        Err(s) if s == me + 1 => return,
        Err(_) => halt_forever(),
    }
    for c in (0..online()).filter(|&c| c != me) {
        if let Some(apic) = percpu::apic_id(c) {
            lapic::send_nmi(apic);
        }
    }
}

/// Whether another CPU has run [`stop_other_cpus`] (the NMI handler then stops this one).
pub(crate) fn stopping() -> bool {
    let s = STOPPER.load(Ordering::Acquire);
    s != 0 && s != percpu::cpu_id() + 1
}

/// Stops the calling CPU for good.
pub(crate) fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
