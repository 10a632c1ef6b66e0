//! The vDSO's functions. The app calls them directly (they are kernel code; the app runs in
//! ring 0): no system call, no kernel stack, interrupts as the app has them. They only read
//! the clock and write the result through the hal's user copy, so a bad pointer is EFAULT as
//! with the system call. osprey-linux builds the ELF image that names them (`vdso::image`).
//! A clock they do not serve (the CPU-time clocks) goes to the system call's handler, as
//! Linux's vDSO falls back to the `syscall` instruction: glibc does not retry by itself.

use osprey_abi::time::*;
use osprey_abi::{IntoBytes, Timespec, Timeval};
use osprey_hal::mm::usercopy::copy_to_user;
use osprey_linux::Machine;

use crate::machine::MACHINE;

const EFAULT: i64 = -14;

/// The system call itself, for what the vDSO does not answer (runs on the app's stack, like
/// the rest of the vDSO; shows under --strace, as Linux's fallback does).
fn fallback(nr: usize, a0: u64, a1: u64) -> i64 {
    // The system call may take kernel locks: no preemption meanwhile (see `preemptible`).
    let c = osprey_hal::cpu::percpu::cpu_id();
    IN_FALLBACK[c].store(true, core::sync::atomic::Ordering::Relaxed);
    let r = fallback_call(nr, a0, a1);
    IN_FALLBACK[c].store(false, core::sync::atomic::Ordering::Relaxed);
    r
}

/// Per CPU: the vDSO is running a system call's handler.
static IN_FALLBACK: [core::sync::atomic::AtomicBool; osprey_hal::cpu::percpu::MAX_CPUS] =
    [const { core::sync::atomic::AtomicBool::new(false) }; osprey_hal::cpu::percpu::MAX_CPUS];

/// Whether kernel code interrupted at `rip` with stack pointer `rsp` is vDSO code that may be
/// preempted like the app: apart from the system-call entry and return stubs (excluded: their
/// scratch slot is live), the vDSO is the only kernel code that runs on the app's stack, and it
/// takes no lock unless it is in its system-call fallback. A thread spinning on
/// `clock_gettime` or `sched_getcpu` spends most of its time there.
pub fn preemptible(rip: u64, rsp: u64) -> bool {
    let (bottom, top) = osprey_hal::cpu::percpu::kernel_stack();
    let on_kernel_stack = rsp >= bottom && rsp <= top;
    !on_kernel_stack
        && !osprey_hal::trap::in_syscall_stub(rip)
        && !IN_FALLBACK[osprey_hal::cpu::percpu::cpu_id()]
            .load(core::sync::atomic::Ordering::Relaxed)
}

fn fallback_call(nr: usize, a0: u64, a1: u64) -> i64 {
    match crate::traps::LINUX.get() {
        Some(l) => crate::sched::with_linux_thread(|t| match t {
            Some(t) => l.syscall(t, nr, &[a0, a1, 0, 0, 0, 0]) as i64,
            None => -38,
        }),
        None => -38,
    }
}

fn clock_ns(clock: i32) -> Option<u64> {
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI => Some(MACHINE.realtime_ns()),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
            Some(MACHINE.monotonic_ns())
        }
        _ => None,
    }
}

fn put(addr: u64, bytes: &[u8]) -> i64 {
    match copy_to_user(addr, bytes) {
        Ok(()) => 0,
        Err(_) => EFAULT,
    }
}

extern "C" fn clock_gettime(clock: i32, ts: u64) -> i64 {
    match clock_ns(clock) {
        Some(ns) => put(ts, Timespec::from_nanos(ns).as_bytes()),
        None => fallback(osprey_abi::sysno::SYS_CLOCK_GETTIME, clock as u64, ts),
    }
}

extern "C" fn clock_getres(clock: i32, res: u64) -> i64 {
    if clock_ns(clock).is_none() {
        return fallback(osprey_abi::sysno::SYS_CLOCK_GETRES, clock as u64, res);
    }
    if res == 0 {
        return 0;
    }
    let ns = match clock {
        CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => 4_000_000,
        _ => 1,
    };
    put(res, Timespec::from_nanos(ns).as_bytes())
}

extern "C" fn gettimeofday(tv: u64, tz: u64) -> i64 {
    if tv != 0 {
        let ns = MACHINE.realtime_ns();
        let t = Timeval {
            tv_sec: (ns / 1_000_000_000) as i64,
            tv_usec: ((ns % 1_000_000_000) / 1000) as i64,
        };
        let r = put(tv, t.as_bytes());
        if r != 0 {
            return r;
        }
    }
    if tz != 0 {
        return put(tz, &[0u8; 8]);
    }
    0
}

extern "C" fn time(t: u64) -> i64 {
    let secs = (MACHINE.realtime_ns() / 1_000_000_000) as i64;
    if t != 0 && put(t, &secs.to_le_bytes()) != 0 {
        return EFAULT;
    }
    secs
}

extern "C" fn getcpu(cpu: u64, node: u64, _cache: u64) -> i64 {
    // The CPU this code runs on (the answer may be stale as soon as it is read, as on Linux).
    let c = osprey_hal::cpu::percpu::cpu_id() as u32;
    for (p, v) in [(cpu, c), (node, 0)] {
        if p != 0 && put(p, &v.to_le_bytes()) != 0 {
            return EFAULT;
        }
    }
    0
}

/// The functions the vDSO exports, by the names libc looks up.
pub fn symbols() -> alloc::vec::Vec<(&'static str, u64)> {
    let f = |p: usize| p as u64;
    alloc::vec![
        (
            "__vdso_clock_gettime",
            f(clock_gettime as extern "C" fn(i32, u64) -> i64 as usize)
        ),
        (
            "__vdso_clock_getres",
            f(clock_getres as extern "C" fn(i32, u64) -> i64 as usize)
        ),
        (
            "__vdso_gettimeofday",
            f(gettimeofday as extern "C" fn(u64, u64) -> i64 as usize)
        ),
        ("__vdso_time", f(time as extern "C" fn(u64) -> i64 as usize)),
        (
            "__vdso_getcpu",
            f(getcpu as extern "C" fn(u64, u64, u64) -> i64 as usize)
        ),
    ]
}
