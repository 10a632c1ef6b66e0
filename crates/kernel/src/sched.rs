//! The scheduler: which app thread runs on the CPU, and when.
//!
//! * Threads are `osprey_hal::task::Thread`s carrying a [`Task`]. Runnable ones wait in a run
//!   queue ordered by virtual runtime (`osprey_sched::RunQueue`); the least-run goes next.
//! * The kernel is not preemptible: a thread gives up the CPU only where it decides to (a
//!   blocking call parks, `sched_yield`, exit) or when a timer interrupt finds it running
//!   *app* code and its slice is over. So a kernel spin lock is never held by a preempted
//!   thread (no lock-holder preemption), and interrupts that arrive in kernel code only leave
//!   a note (`TIMER_PENDING`) for the next safe point: the end of the system call, or the
//!   idle loop.
//! * Tickless: the LAPIC one-shot timer is armed for the earliest sleeping thread's deadline,
//!   and for the end of the running thread's slice only when another thread is waiting to
//!   run. An idle CPU halts.
//! * The CPU's boot flow is its idle thread: it runs when nothing else can, and halts.
//!
//! One CPU runs app threads today; the per-CPU parts (`Cpu`) are what SMP will replicate.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

use osprey_abi::Errno;
use osprey_hal::task::{self, Thread};
use osprey_hal::trap::TrapFrame;
use osprey_linux::thread::Thread as LinuxThread;
use osprey_sched::{Park, ParkOutcome, RunQueue, TimerId, TimerList};
use spin::Mutex;

use crate::machine::monotonic_ns;

/// How long an app thread runs before another runnable one gets the CPU.
const SLICE_NS: u64 = 4_000_000;

/// Size of each app thread's kernel stack (system calls and traps run on it).
pub const KERNEL_STACK: usize = 64 * 1024;

/// Why the running thread is switching away (read by the switch hook on the other side).
const AWAY_YIELD: u8 = 0;
const AWAY_PARK: u8 = 1;
const AWAY_EXIT: u8 = 2;

/// What the scheduler keeps about a thread.
pub struct Task {
    pub tid: i32,
    park: Park,
    vruntime: AtomicU64,
    /// When it last started running (monotonic ns).
    started: AtomicU64,
    away: AtomicU8,
    /// The Linux thread it runs; None for the idle thread.
    pub linux: Option<Arc<LinuxThread>>,
}

impl Task {
    fn new(tid: i32, linux: Option<Arc<LinuxThread>>, vruntime: u64) -> Task {
        Task {
            tid,
            park: Park::new(),
            vruntime: AtomicU64::new(vruntime),
            started: AtomicU64::new(0),
            away: AtomicU8::new(AWAY_YIELD),
            linux,
        }
    }
}

fn task_of(t: &Thread) -> &Task {
    t.payload()
        .downcast_ref::<Task>()
        .expect("every thread carries a Task")
}

struct Cpu {
    runq: RunQueue<Arc<Thread>>,
    timers: TimerList<i32>,
    idle: Option<Arc<Thread>>,
}

static CPU: Mutex<Cpu> = Mutex::new(Cpu {
    runq: RunQueue::new(),
    timers: TimerList::new(),
    idle: None,
});

/// Live app threads by tid (for unpark).
static TASKS: Mutex<BTreeMap<i32, Arc<Thread>>> = Mutex::new(BTreeMap::new());

/// A timer interrupt arrived while kernel code ran: expire timers at the next safe point.
static TIMER_PENDING: AtomicBool = AtomicBool::new(false);


/// Makes the boot flow this CPU's idle thread. Call once, before any thread is spawned.
pub fn init() {
    // This CPU runs app threads: it takes part in TLB shootdowns from now on.
    osprey_hal::cpu::tlb::join_app_cpus();
    task::set_switch_hook(after_switch);
    let idle = Thread::adopt_boot_flow(Box::new(Task::new(0, None, 0)));
    CPU.lock().idle = Some(idle);
}

/// Starts an app thread with the registers of `frame` and FS base `fs_base`.
pub fn spawn(linux: Arc<LinuxThread>, frame: &TrapFrame, fs_base: u64) -> Result<(), Errno> {
    let tid = linux.tid;
    let v = {
        let cpu = CPU.lock();
        cpu.runq.min_vruntime()
    };
    let t = Thread::new_app(frame, fs_base, KERNEL_STACK, Box::new(Task::new(tid, Some(linux), v)))
        .ok_or(Errno::ENOMEM)?;
    TASKS.lock().insert(tid, t.clone());
    CPU.lock().runq.push(v, t);
    rearm();
    Ok(())
}

/// Runs `f` with the Linux thread running on this CPU (None in the idle thread).
#[inline]
pub fn with_linux_thread<R>(f: impl FnOnce(Option<&LinuxThread>) -> R) -> R {
    task::with_current(|t| f(task_of(t).linux.as_deref()))
}

/// Called on the incoming thread after every switch, with the outgoing one.
fn after_switch(prev: Arc<Thread>) {
    let now = monotonic_ns();
    task::with_current(|t| task_of(t).started.store(now, Ordering::Relaxed));
    let pt = task_of(&prev);
    if pt.linux.is_none() {
        return; // the idle thread: kept in Cpu::idle
    }
    let ran = now.saturating_sub(pt.started.load(Ordering::Relaxed));
    let v = pt.vruntime.fetch_add(ran, Ordering::Relaxed) + ran;
    if let Some(l) = &pt.linux {
        l.cpu_ns.fetch_add(ran, Ordering::Relaxed);
    }
    match pt.away.load(Ordering::Relaxed) {
        AWAY_YIELD => CPU.lock().runq.push(v, prev),
        AWAY_PARK => {
            if pt.park.commit_park() == ParkOutcome::Enqueue {
                CPU.lock().runq.push(v, prev);
            }
            // Otherwise TASKS keeps it until an unpark.
        }
        _ => drop(prev), // exited: this frees its kernel stack
    }
    rearm();
}

/// The thread to run next: the least-run runnable one, else the idle thread.
fn pick_next(cpu: &mut Cpu) -> Arc<Thread> {
    match cpu.runq.pop() {
        Some((_, t)) => t,
        None => cpu.idle.clone().expect("sched::init ran"),
    }
}

/// Gives the CPU away; `why` says what the switch hook does with the current thread.
fn switch_away(why: u8) {
    let next = {
        let mut cpu = CPU.lock();
        pick_next(&mut cpu)
    };
    task::with_current(|t| task_of(t).away.store(why, Ordering::Relaxed));
    task::switch_to(next);
}

/// Sleeps the current app thread until unparked or `deadline` (monotonic ns).
pub fn park(deadline: Option<u64>) {
    let (tid, proceed) = task::with_current(|t| {
        let tk = task_of(t);
        (tk.tid, tk.linux.is_some() && tk.park.prepare_park())
    });
    if !proceed {
        return;
    }
    let timer = deadline.map(|d| CPU.lock().timers.add(d, tid));
    switch_away(AWAY_PARK);
    task::with_current(|t| task_of(t).park.resumed());
    if let Some(id) = timer {
        cancel_timer(id);
    }
}

fn cancel_timer(id: TimerId) {
    CPU.lock().timers.cancel(id);
}

/// Wakes thread `tid` (see `osprey_sched::Park`).
pub fn unpark(tid: i32) {
    let Some(t) = TASKS.lock().get(&tid).cloned() else {
        return;
    };
    let tk = task_of(&t);
    if tk.park.unpark() == ParkOutcome::Enqueue {
        let mut cpu = CPU.lock();
        let v = cpu
            .runq
            .placement(tk.vruntime.load(Ordering::Relaxed), SLICE_NS);
        tk.vruntime.store(v, Ordering::Relaxed);
        cpu.runq.push(v, t);
        drop(cpu);
        rearm();
    }
}

/// sched_yield: lets the runnable threads that have run less go first.
pub fn yield_now() {
    let waiting = !CPU.lock().runq.is_empty();
    if waiting && task::with_current(|t| task_of(t).linux.is_some()) {
        switch_away(AWAY_YIELD);
    }
}

/// Ends the current app thread.
pub fn exit_current() -> ! {
    let tid = task::with_current(|t| task_of(t).tid);
    TASKS.lock().remove(&tid);
    task::with_current(|t| task_of(t).away.store(AWAY_EXIT, Ordering::Relaxed));
    let next = {
        let mut cpu = CPU.lock();
        pick_next(&mut cpu)
    };
    task::exit_to(next)
}

/// Sleeps the current thread until `deadline_ns` (monotonic).
pub fn sleep_until(deadline_ns: u64) {
    while monotonic_ns() < deadline_ns {
        park(Some(deadline_ns));
    }
}

/// Wakes the threads whose deadlines passed.
fn expire_timers() {
    TIMER_PENDING.store(false, Ordering::Relaxed);
    let now = monotonic_ns();
    let due = CPU.lock().timers.expire(now);
    for tid in due {
        unpark(tid);
    }
}

/// Arms the CPU's one-shot timer for the next thing that must happen: the earliest timer,
/// and the end of the running thread's slice if another thread is waiting to run.
fn rearm() {
    let (next_timer, others) = {
        let cpu = CPU.lock();
        (cpu.timers.next_deadline(), !cpu.runq.is_empty())
    };
    let slice_end = if others {
        task::with_current(|t| {
            let tk = task_of(t);
            tk.linux
                .is_some()
                .then(|| tk.started.load(Ordering::Relaxed) + SLICE_NS)
        })
    } else {
        None
    };
    let at = match (next_timer, slice_end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // Programming the LAPIC is a device access (microseconds under TCG): do it only when the
    // deadline must move earlier. A timer left armed for a later moment that is no longer
    // needed costs one spurious interrupt, cheaper than disarming and re-arming on every
    // switch.
    if let Some(ns) = at {
        let tsc = crate::machine::tsc_at(ns).max(1);
        let armed = osprey_hal::dev::lapic::armed_at();
        if armed == 0 || tsc < armed {
            osprey_hal::dev::lapic::arm_at_tsc(tsc);
        }
    }
}

/// The timer interrupt. From app code the scheduler may act at once (the app holds no
/// kernel lock); from kernel code it only notes it for the next safe point.
pub fn on_timer(from_app: bool) {
    if !from_app {
        TIMER_PENDING.store(true, Ordering::Relaxed);
        return;
    }
    expire_timers();
    preempt_if_due();
}

fn preempt_if_due() {
    let due = task::with_current(|t| {
        let tk = task_of(t);
        tk.linux.is_some() && monotonic_ns() >= tk.started.load(Ordering::Relaxed) + SLICE_NS
    });
    if due && !CPU.lock().runq.is_empty() {
        switch_away(AWAY_YIELD);
    } else {
        rearm();
    }
}

/// The end of every system call: catch up with a timer that fired in kernel code.
#[inline]
pub fn at_syscall_exit() {
    if TIMER_PENDING.load(Ordering::Relaxed) {
        expire_timers();
        preempt_if_due();
    }
}

/// The idle thread's loop: run whatever is runnable, else halt until an interrupt.
pub fn idle_loop() -> ! {
    loop {
        expire_timers();
        let next = CPU.lock().runq.pop();
        if let Some((_, t)) = next {
            task::switch_to(t);
            continue;
        }
        rearm();
        osprey_hal::cpu::halt_unless(|| {
            !TIMER_PENDING.load(Ordering::Relaxed) && CPU.lock().runq.is_empty()
        });
    }
}
