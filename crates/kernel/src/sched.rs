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
//! * SMP (on with several CPUs; `sched=up` on the kernel command line keeps app threads on
//!   CPU 0): each CPU has its own run queue and timers (`Cpu`) and its own idle thread (the
//!   APs enter through `smp::set_ap_entry`). A woken thread goes back to the CPU it last ran on if
//!   that CPU is idle, else to an idle CPU, else to its own; a CPU that queues work for an idle
//!   CPU sends it a reschedule IPI, unless that CPU is polling (`idle_poll`: an idle CPU
//!   spins `idle_poll_us`, 50 µs by default, watching the queues before it halts). An idle CPU
//!   first looks for work on the others (stealing the most-run thread of the longest queue)
//!   before it polls and halts.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicU8, AtomicUsize, Ordering};

use osprey_abi::Errno;
use osprey_hal::cpu::percpu::{cpu_id, MAX_CPUS};
use osprey_hal::cpu::smp;
use osprey_hal::task::{self, Thread};
use osprey_hal::trap::TrapFrame;
use osprey_linux::thread::Thread as LinuxThread;
use osprey_sched::{Park, ParkOutcome, RunQueue, TimerId, TimerList};
use spin::Mutex;

use crate::machine::monotonic_ns;

/// How long an app thread runs before another runnable one gets the CPU.
const SLICE_NS: u64 = 4_000_000;

/// How soon a note left by an interrupt in kernel code is looked at again (see `on_timer`).
const PENDING_RECHECK_NS: u64 = 50_000;

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
    /// When it last started running (TSC: the switch reads the TSC, not the clock).
    started: AtomicU64,
    away: AtomicU8,
    /// The CPU it runs on, or last ran on, or is queued on.
    cpu: AtomicUsize,
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
            cpu: AtomicUsize::new(0),
            linux,
        }
    }
}

#[inline]
fn task_of(t: &Thread) -> &Task {
    t.payload_as::<Task>().expect("every thread carries a Task")
}

struct Cpu {
    /// Its number (set when it joins the scheduler).
    id: usize,
    /// Changed only through `push`, `pop` and `steal`, which keep `QUEUED` in step.
    runq: RunQueue<Arc<Thread>>,
    timers: TimerList<i32>,
    idle: Option<Arc<Thread>>,
}

impl Cpu {
    #[inline(always)]
    fn push(&mut self, v: u64, t: Arc<Thread>) {
        self.runq.push(v, t);
        QUEUED[self.id].store(self.runq.len(), Ordering::Relaxed);
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<Arc<Thread>> {
        let t = self.runq.pop().map(|(_, t)| t);
        QUEUED[self.id].store(self.runq.len(), Ordering::Relaxed);
        t
    }

    /// The most-run thread that may run on CPU `to`.
    fn steal(&mut self, to: usize) -> Option<Arc<Thread>> {
        let t = self
            .runq
            .steal_where(|t| allowed(task_of(t), to))
            .map(|(_, t)| t);
        QUEUED[self.id].store(self.runq.len(), Ordering::Relaxed);
        t
    }
}

static CPUS: [Mutex<Cpu>; MAX_CPUS] = [const {
    Mutex::new(Cpu {
        id: 0,
        runq: RunQueue::new(),
        timers: TimerList::new(),
        idle: None,
    })
}; MAX_CPUS];

/// Per CPU: the length of its run queue, readable without its lock (an idle CPU polls it).
static QUEUED: [AtomicUsize; MAX_CPUS] = [const { AtomicUsize::new(0) }; MAX_CPUS];

/// Per CPU: its idle thread is polling for work before halting (`idle_poll`): a thread queued
/// for it, or for another CPU it could take from, needs no reschedule IPI.
static POLLING: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// How long an idle CPU polls for work before it halts (ns; `idle_poll_us=` on the kernel
/// command line, 0 turns it off). Waking a halted vCPU is an IPI (a device access) plus the
/// host waking its thread: tens of microseconds under TCG, against a few for a futex hand-off
/// between two CPUs (the contended-mutex benchmark). Polling costs host CPU time.
static IDLE_POLL_NS: AtomicU64 = AtomicU64::new(50_000);

/// Sets how long idle CPUs poll before halting (`idle_poll_us=`).
pub fn set_idle_poll_us(us: u64) {
    IDLE_POLL_NS.store(us.saturating_mul(1000), Ordering::Relaxed);
}

/// This CPU's scheduler state.
fn cpu() -> spin::MutexGuard<'static, Cpu> {
    CPUS[cpu_id()].lock()
}

/// Live app threads by tid (for unpark).
static TASKS: Mutex<BTreeMap<i32, Arc<Thread>>> = Mutex::new(BTreeMap::new());

/// Per CPU: a timer or reschedule interrupt arrived while kernel code ran: act at the next
/// safe point.
static PENDING: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// Per CPU: it is running its idle thread (so work queued for it needs an IPI).
static IDLE: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// Per CPU: the tid of the app thread it runs (0: its idle thread).
static RUNNING: [AtomicI32; MAX_CPUS] = [const { AtomicI32::new(0) }; MAX_CPUS];

/// Per CPU: its scheduler is running (the boot CPU from `init`, an AP from `ap_main`).
static READY: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// Per CPU: a timer was added to its list since its last `rearm` looked at the list.
static TIMER_ADDED: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// How many CPUs are READY (with `sched=up`, one however many are online).
static SCHED_CPUS: AtomicUsize = AtomicUsize::new(0);

/// The slice in TSC ticks (converted once: the switch path works in TSC ticks).
fn slice_tsc() -> u64 {
    static SLICE_TSC: AtomicU64 = AtomicU64::new(0);
    tsc_once(&SLICE_TSC, SLICE_NS)
}

/// `ns` in TSC ticks, converted on first use and kept in `cell` (0: not yet).
fn tsc_once(cell: &AtomicU64, ns: u64) -> u64 {
    let mut t = cell.load(Ordering::Relaxed);
    if t == 0 {
        t = osprey_hal::time::ns_to_tsc(ns).max(1);
        cell.store(t, Ordering::Relaxed);
    }
    t
}

/// Queues `t` (with virtual runtime `v`) on CPU `c`. Another CPU gets a reschedule IPI: if
/// it idles, to run the thread; if it runs something, to arm its slice timer.
fn enqueue(c: usize, v: u64, t: Arc<Thread>) {
    task_of(&t).cpu.store(c, Ordering::Relaxed);
    CPUS[c].lock().push(v, t);
    if c != cpu_id() {
        notify(c);
    } else {
        kick_idle();
    }
}

/// Tells CPU `c` that there is work for it (queued there, or on a CPU it may take from):
/// a reschedule IPI, unless it is polling for work. Call after queuing.
fn notify(c: usize) {
    // Pairs with `idle_poll`: it clears POLLING and then looks at the queues; this queued and
    // then looks at POLLING. Either it sees the thread or this sees it is not polling.
    core::sync::atomic::fence(Ordering::SeqCst);
    if !POLLING[c].load(Ordering::Relaxed) {
        smp::send_ipi(c, smp::RESCHEDULE_VECTOR);
    }
}

/// This CPU has threads waiting: wake an idle CPU, which will steal one. (Balancing is pulled
/// by idle CPUs; this is what tells a halted one that there is something to pull.)
fn kick_idle() {
    let online = smp::online().clamp(1, MAX_CPUS);
    if online == 1 {
        return;
    }
    let me = cpu_id();
    if QUEUED[me].load(Ordering::Relaxed) == 0 {
        return;
    }
    if let Some(c) = (0..online)
        .find(|&c| c != me && READY[c].load(Ordering::Relaxed) && IDLE[c].load(Ordering::Relaxed))
    {
        notify(c);
    }
}

/// Whether thread `t` may run on CPU `c` (sched_setaffinity).
fn allowed(t: &Task, c: usize) -> bool {
    t.linux.as_ref().is_none_or(|l| l.may_run_on(c))
}

fn usable(t: &Task, c: usize) -> bool {
    READY[c].load(Ordering::Relaxed) && allowed(t, c)
}

/// Where a thread that becomes runnable should go: the CPU it last ran on if that one is
/// idle (its caches are warm), else an idle CPU it may use, else its last one (or, if it may
/// not run there any more, the first it may).
#[inline(always)]
fn place(t: &Task) -> usize {
    if smp::online() <= 1 {
        return cpu_id();
    }
    let last = t.cpu.load(Ordering::Relaxed);
    if usable(t, last) && IDLE[last].load(Ordering::Relaxed) {
        return last;
    }
    let online = smp::online().clamp(1, MAX_CPUS);
    if let Some(c) = (0..online).find(|&c| usable(t, c) && IDLE[c].load(Ordering::Relaxed)) {
        return c;
    }
    if usable(t, last) {
        return last;
    }
    (0..online).find(|&c| usable(t, c)).unwrap_or(cpu_id())
}

/// Makes the boot flow this CPU's idle thread. Call once, before any thread is spawned.
pub fn init(use_aps: bool) {
    task::set_switch_hook(after_switch);
    become_scheduler_cpu();
    if use_aps {
        smp::set_ap_entry(ap_main);
    }
}

/// Makes the calling CPU's boot flow its idle thread and lets it run app threads.
fn become_scheduler_cpu() {
    // This CPU runs app threads: it takes part in TLB shootdowns from now on.
    osprey_hal::cpu::tlb::join_app_cpus();
    let c = cpu_id();
    let idle = Thread::adopt_boot_flow(Box::new(Task::new(0, None, 0)));
    task_of(&idle).cpu.store(c, Ordering::Relaxed);
    {
        let mut cpu = CPUS[c].lock();
        cpu.id = c;
        cpu.idle = Some(idle);
    }
    READY[c].store(true, Ordering::SeqCst);
    SCHED_CPUS.fetch_add(1, Ordering::SeqCst);
}

/// An application processor joins the scheduler.
fn ap_main(cpu: usize) -> ! {
    become_scheduler_cpu();
    log::info!("cpu {cpu} runs app threads");
    idle_loop()
}

/// Starts an app thread with the registers of `frame` and FS base `fs_base`.
pub fn spawn(linux: Arc<LinuxThread>, frame: &TrapFrame, fs_base: u64) -> Result<(), Errno> {
    let tid = linux.tid;
    let task = Task::new(tid, Some(linux), 0);
    // A new thread goes to an idle CPU if there is one, else next to its creator.
    task.cpu.store(cpu_id(), Ordering::Relaxed);
    let c = place(&task);
    let v = CPUS[c].lock().runq.min_vruntime();
    task.vruntime.store(v, Ordering::Relaxed);
    let t = Thread::new_app(frame, fs_base, KERNEL_STACK, Box::new(task)).ok_or(Errno::ENOMEM)?;
    TASKS.lock().insert(tid, t.clone());
    enqueue(c, v, t);
    rearm();
    Ok(())
}

/// Runs `f` with the Linux thread running on this CPU (None in the idle thread).
#[inline]
pub fn with_linux_thread<R>(f: impl FnOnce(Option<&LinuxThread>) -> R) -> R {
    task::with_current(|t| f(task_of(t).linux.as_deref()))
}

/// `switch_to`'s resume step: `after_switch`, inlined into each switch.
struct AfterSwitch;

impl task::Resume for AfterSwitch {
    #[inline(always)]
    fn resume(prev: Arc<Thread>) {
        after_switch(prev);
    }
}

/// Called on the incoming thread after every switch, with the outgoing one.
#[inline(always)]
fn after_switch(prev: Arc<Thread>) {
    let now = osprey_hal::time::tsc();
    let c = cpu_id();
    let (idle_now, tid) = task::with_current(|t| {
        let tk = task_of(t);
        tk.started.store(now, Ordering::Relaxed);
        tk.cpu.store(c, Ordering::Relaxed);
        (tk.linux.is_none(), tk.tid)
    });
    // (Stored only when they change: an unchanged value is already visible to all.)
    if IDLE[c].load(Ordering::Relaxed) != idle_now {
        IDLE[c].store(idle_now, Ordering::SeqCst);
    }
    if RUNNING[c].load(Ordering::Relaxed) != tid {
        RUNNING[c].store(tid, Ordering::SeqCst);
    }
    // An interrupt's note left while the outgoing thread was in a system call (no recheck
    // was armed for it): the idle loop and a thread resuming inside a system call handle it
    // soon; a thread resuming in app code (after preemption, or its first run) does not.
    if PENDING[c].load(Ordering::SeqCst) && !idle_now && !osprey_hal::trap::in_syscall() {
        arm_pending_recheck();
    }
    let pt = task_of(&prev);
    if pt.linux.is_none() {
        // The idle thread (kept in Cpu::idle). The timer must still be looked at: the idle
        // CPU may have been handed several threads at once (their reschedule IPIs merge into
        // one interrupt), and the one it now runs must be preempted at the end of its slice
        // for the others; nothing else arms that slice timer while the thread spins in app
        // code.
        rearm_after_switch(c);
        return;
    }
    let ran = osprey_hal::time::tsc_to_ns(now.saturating_sub(pt.started.load(Ordering::Relaxed)));
    // Virtual time runs slower for heavier threads (nice, SCHED_IDLE): their share.
    let vran = pt.linux.as_ref().map_or(ran, |l| {
        osprey_sched::weight::virtual_ns(ran, sched_weight(l))
    });
    let v = pt.vruntime.fetch_add(vran, Ordering::Relaxed) + vran;
    if let Some(l) = &pt.linux {
        l.cpu_ns.fetch_add(ran, Ordering::Relaxed);
    }
    match pt.away.load(Ordering::Relaxed) {
        // Back on this CPU's queue, unless its affinity now excludes this CPU.
        AWAY_YIELD if allowed(pt, c) => cpu().push(v, prev),
        AWAY_YIELD => enqueue(place(pt), v, prev),
        AWAY_PARK => {
            if pt.park.commit_park() == ParkOutcome::Enqueue {
                cpu().push(v, prev);
            }
            // Otherwise TASKS keeps it until an unpark.
        }
        _ => drop(prev), // exited: this frees its kernel stack
    }
    rearm_after_switch(c);
}

/// The timer decision after a switch on CPU `c`. With one CPU, no thread waiting and no timer
/// added since the last look, the timer is already armed as it must be (the earliest timer
/// was looked at when it was added, and a timer that fires is always followed by a rearm), so
/// the look is skipped: a futex round trip switches twice. With several CPUs, always.
#[inline(always)]
fn rearm_after_switch(c: usize) {
    if smp::online() > 1
        || QUEUED[c].load(Ordering::Relaxed) != 0
        || TIMER_ADDED[c].load(Ordering::Relaxed)
    {
        rearm();
    }
}

/// Adds a timer to this CPU's list; returns the CPU and the timer's id there.
fn add_timer(deadline: u64, key: i32) -> (usize, TimerId) {
    let c = cpu_id();
    let id = CPUS[c].lock().timers.add(deadline, key);
    TIMER_ADDED[c].store(true, Ordering::Relaxed);
    (c, id)
}

/// A thread's weight from its nice value and policy (setpriority, sched_setscheduler).
fn sched_weight(t: &LinuxThread) -> u64 {
    use osprey_linux::syscall::task::priority::{base_policy, SCHED_IDLE};
    if base_policy(t) == SCHED_IDLE {
        return osprey_sched::weight::IDLE_WEIGHT;
    }
    osprey_sched::weight::weight(t.nice.load(Ordering::Relaxed))
}

/// The thread to run next: the least-run runnable one, else the idle thread.
#[inline(always)]
fn pick_next(cpu: &mut Cpu) -> Arc<Thread> {
    match cpu.pop() {
        Some(t) => t,
        None => cpu.idle.clone().expect("sched::init ran"),
    }
}

/// Gives the CPU away; `why` says what the switch hook does with the current thread.
#[inline(always)]
fn switch_away(why: u8) {
    let next = pick_next(&mut cpu());
    task::with_current(|t| task_of(t).away.store(why, Ordering::Relaxed));
    task::switch_to::<AfterSwitch>(next);
}

/// Sleeps the current app thread until unparked or `deadline` (monotonic ns).
///
/// (`park`, `unpark` and the small steps they take are `#[inline(always)]`: they are reached through
/// the `Machine` and `DynPark` trait objects, and under TCG each further call and return is a
/// translation-block lookup on the hottest path of every futex wait and wake.)
#[inline(always)]
pub fn park(deadline: Option<u64>) {
    let (tid, proceed) = task::with_current(|t| {
        let tk = task_of(t);
        (tk.tid, tk.linux.is_some() && tk.park.prepare_park())
    });
    if !proceed {
        return;
    }
    let timer = deadline.map(|d| add_timer(d, tid));
    switch_away(AWAY_PARK);
    task::with_current(|t| task_of(t).park.resumed());
    if let Some((c, id)) = timer {
        cancel_timer(c, id);
    }
}

/// Cancels a timer armed on CPU `c` (the thread may have moved since).
fn cancel_timer(c: usize, id: TimerId) {
    CPUS[c].lock().timers.cancel(id);
}

/// Wakes thread `tid` (see `osprey_sched::Park`).
#[inline(always)]
pub fn unpark(tid: i32) {
    let Some(t) = TASKS.lock().get(&tid).cloned() else {
        return;
    };
    let tk = task_of(&t);
    if tk.park.unpark() == ParkOutcome::Enqueue {
        let c = place(tk);
        tk.cpu.store(c, Ordering::Relaxed);
        {
            // One look at the queue: where the thread goes in it, and in it.
            let mut q = CPUS[c].lock();
            let v = q
                .runq
                .placement(tk.vruntime.load(Ordering::Relaxed), SLICE_NS);
            tk.vruntime.store(v, Ordering::Relaxed);
            q.push(v, t);
        }
        if c != cpu_id() {
            notify(c);
        } else {
            kick_idle();
            // Another thread waits here now: the running one's slice must end on time (the
            // earliest timer cannot have moved: only the slice end is new).
            arm_slice_end();
        }
    }
}

/// Arms the timer for the end of the running app thread's slice if it is not armed earlier
/// (a thread was just queued on this CPU).
#[inline(always)]
fn arm_slice_end() {
    let end = task::with_current(|t| {
        let tk = task_of(t);
        tk.linux.as_ref()?;
        Some(tk.started.load(Ordering::Relaxed) + slice_tsc())
    });
    if let Some(tsc) = end {
        if must_arm(tsc) {
            osprey_hal::dev::lapic::arm_at_tsc(tsc);
        }
    }
}

/// If thread `tid` runs on another CPU, interrupts it there (a reschedule IPI): back from
/// the interrupt to app code it takes its pending signals (`signals::at_interrupt_exit`); in
/// kernel code it takes them at the end of its system call anyway. A thread that is queued
/// or asleep needs nothing: it takes them when it next runs, or its wake-up did it.
pub fn interrupt_thread(tid: i32) {
    let me = cpu_id();
    let online = smp::online().clamp(1, MAX_CPUS);
    if let Some(c) = (0..online).find(|&c| c != me && RUNNING[c].load(Ordering::SeqCst) == tid) {
        smp::send_ipi(c, smp::RESCHEDULE_VECTOR);
    }
}

/// Whether a thread waits in this CPU's run queue, without its lock (a spinning mutex waiter
/// asks at every turn: `osprey_sync::Park::need_resched`).
pub fn need_resched() -> bool {
    QUEUED[cpu_id()].load(Ordering::Relaxed) != 0
}

/// Whether a thread waits in this CPU's run queue.
pub fn others_runnable() -> bool {
    !cpu().runq.is_empty()
}

/// sched_yield: lets the runnable threads that have run less go first.
pub fn yield_now() {
    let waiting = !cpu().runq.is_empty();
    if waiting && task::with_current(|t| task_of(t).linux.is_some()) {
        switch_away(AWAY_YIELD);
    }
}

/// Moves the current thread to a CPU its affinity allows, if this one is not (after
/// sched_setaffinity).
pub fn migrate_if_needed() {
    let must = task::with_current(|t| {
        let tk = task_of(t);
        tk.linux.is_some() && !allowed(tk, cpu_id())
    });
    if must {
        switch_away(AWAY_YIELD);
    }
}

/// Ends the current app thread.
pub fn exit_current() -> ! {
    let tid = task::with_current(|t| task_of(t).tid);
    TASKS.lock().remove(&tid);
    task::with_current(|t| task_of(t).away.store(AWAY_EXIT, Ordering::Relaxed));
    let next = pick_next(&mut cpu());
    task::exit_to(next)
}

/// Sleeps the current thread until `deadline_ns` (monotonic).
pub fn sleep_until(deadline_ns: u64) {
    while monotonic_ns() < deadline_ns {
        park(Some(deadline_ns));
    }
}

/// The timer-list key of the process's ITIMER_REAL (thread ids are positive).
const ITIMER_KEY: i32 = i32::MIN;
/// The armed ITIMER_REAL: the CPU whose timer list holds it, and its id there.
static ITIMER: Mutex<Option<(usize, TimerId)>> = Mutex::new(None);

/// Arms (or disarms) the process's ITIMER_REAL at `deadline` (monotonic ns).
pub fn set_itimer(deadline: Option<u64>) {
    let mut cur = ITIMER.lock();
    if let Some((c, id)) = cur.take() {
        cancel_timer(c, id);
    }
    *cur = deadline.map(|d| add_timer(d, ITIMER_KEY));
    drop(cur);
    rearm();
}

/// The timer-list key of `boot_wait`'s deadline (it only wakes the CPU).
const BOOT_WAIT_KEY: i32 = i32::MIN + 2;

/// Before the program starts, on the boot CPU: runs timers and network polls, halting in
/// between, until `done()` or `deadline` (monotonic ns). Whether `done()` came true.
pub fn boot_wait(deadline: u64, done: impl Fn() -> bool) -> bool {
    let me = cpu_id();
    let (c, id) = add_timer(deadline, BOOT_WAIT_KEY);
    let ok = loop {
        expire_timers();
        if done() {
            break true;
        }
        if monotonic_ns() >= deadline {
            break false;
        }
        rearm();
        osprey_hal::cpu::halt_unless(|| {
            !PENDING[me].load(Ordering::Relaxed) && !crate::net::pending()
        });
    };
    cancel_timer(c, id);
    ok
}

/// The timer-list key of the network stack's next poll (`crate::net`).
const NET_KEY: i32 = i32::MIN + 1;
/// The armed network timer: its deadline, the CPU whose list holds it, and its id there.
static NET_TIMER: Mutex<Option<(u64, usize, TimerId)>> = Mutex::new(None);

/// Asks for the network stack's next poll at `deadline` (monotonic ns; None: no poll due).
///
/// Lazily: a request for a later moment than the armed one, or for none, leaves the armed
/// timer alone. It then fires early, and the poll it makes finds nothing due and asks again
/// (the stack's request is recomputed at every poll). Under a request-response load the
/// stack's request moves at every poll, between its delayed ACK's moment (10 ms away) and a
/// retransmission's (further), and then to none: cancelling and adding a timer and looking
/// at the LAPIC each time cost ~4 µs per poll under TCG, against one spurious poll per
/// armed deadline (at most ~100 a second).
pub fn set_net_timer(deadline: Option<u64>) {
    let mut cur = NET_TIMER.lock();
    let Some(d) = deadline else {
        return;
    };
    if let Some((armed, c, id)) = *cur {
        if armed <= d {
            return;
        }
        cancel_timer(c, id);
    }
    let (c, id) = add_timer(d, NET_KEY);
    *cur = Some((d, c, id));
    drop(cur);
    rearm();
}

/// Wakes the threads whose deadlines passed (and fires the ITIMER_REAL and the network
/// timer), then polls the network stack if its card interrupted or its timer passed: this
/// is called at the scheduler's safe points only.
fn expire_timers() {
    PENDING[cpu_id()].store(false, Ordering::Relaxed);
    let now = monotonic_ns();
    let due = cpu().timers.expire(now);
    for tid in due {
        if tid == ITIMER_KEY {
            *ITIMER.lock() = None;
            crate::signals::itimer_fired();
        } else if tid == NET_KEY {
            *NET_TIMER.lock() = None;
            crate::net::timer_fired();
        } else if tid == BOOT_WAIT_KEY {
            // Only woke the CPU: boot_wait looks at the clock.
        } else {
            unpark(tid);
        }
    }
    crate::net::poll_if_pending();
    crate::stdin::serve_pending();
}

/// Whether the timer must be programmed to fire at TSC `tsc`: it is not armed, armed later,
/// or armed for a moment long past whose interrupt has not come (a deadline that never
/// fired would otherwise keep every later one from being programmed).
///
/// "Long" past: under TCG the timer's interrupt comes from QEMU's main thread, tens to
/// hundreds of microseconds after its deadline when that thread is busy. Re-programming the
/// timer for a later moment meanwhile cancels the interrupt on its way: a thread that
/// unparked another every few microseconds (a futex ping-pong) kept pushing an overdue
/// deadline back to its slice's end, and a sleeper's wake-up with it, by up to a slice.
pub fn must_arm(tsc: u64) -> bool {
    let armed = osprey_hal::dev::lapic::armed_at();
    armed == 0 || tsc < armed || armed.saturating_add(overdue_tsc()) < osprey_hal::time::tsc()
}

/// How long past its deadline an armed timer counts as lost (TSC ticks).
fn overdue_tsc() -> u64 {
    static OVERDUE_TSC: AtomicU64 = AtomicU64::new(0);
    tsc_once(&OVERDUE_TSC, TIMER_LOST_NS)
}

/// A timer this late is taken as lost and programmed again (`must_arm`).
const TIMER_LOST_NS: u64 = 2_000_000;

/// Arms the CPU's one-shot timer for the next thing that must happen: the earliest timer,
/// and the end of the running thread's slice if another thread is waiting to run.
fn rearm() {
    TIMER_ADDED[cpu_id()].store(false, Ordering::Relaxed);
    let (next_timer, others) = {
        let cpu = cpu();
        (cpu.timers.next_deadline(), !cpu.runq.is_empty())
    };
    // The end of the running app thread's slice if another waits; with several CPUs, also a
    // check one slice from now while an app thread runs even if none waits here: a thread
    // queued here by another CPU at a moment this CPU could not notice (interrupts off, or
    // between two looks) is then found within a slice. Idle CPUs never tick.
    let several = smp::online() > 1;
    let slice_end = task::with_current(|t| {
        let tk = task_of(t);
        tk.linux.as_ref()?;
        if others {
            Some(tk.started.load(Ordering::Relaxed) + slice_tsc())
        } else if several {
            Some(osprey_hal::time::tsc() + slice_tsc())
        } else {
            None
        }
    });
    // All in TSC ticks: the timer list keeps nanoseconds (converted only when it has one).
    let next_timer = next_timer.map(|ns| crate::machine::tsc_at(ns));
    let at = match (next_timer, slice_end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // Programming the LAPIC is a device access (microseconds under TCG): do it only when the
    // deadline must move earlier. A timer left armed for a later moment that is no longer
    // needed costs one spurious interrupt, cheaper than disarming and re-arming on every
    // switch.
    if let Some(tsc) = at {
        let tsc = tsc.max(1);
        if must_arm(tsc) {
            osprey_hal::dev::lapic::arm_at_tsc(tsc);
        }
    }
    crate::profile::keep_armed();
}

/// Whether this CPU is running its idle thread (for the profiler's samples).
pub fn running_idle() -> bool {
    RUNNING[cpu_id()].load(Ordering::Relaxed) == 0
}

/// The timer interrupt, or a reschedule IPI (another CPU queued a thread here). From app code
/// the scheduler may act at once (the app holds no kernel lock); from kernel code it only
/// notes it for the next safe point.
pub fn on_timer(from_app: bool) {
    if !from_app {
        PENDING[cpu_id()].store(true, Ordering::Relaxed);
        // An app thread in kernel code reaches a safe point at the end of its system call, but
        // the interrupt may also have hit kernel code it leaves without one (a new thread's
        // first instructions, a trap's return): look again shortly, when it is likely back in
        // app code. The idle thread handles the note in its loop.
        // A system call is the common case, and its end is a safe point: no timer for it
        // (arming one costs 10-20 us under TCG, and it fired for nothing).
        if !osprey_hal::trap::in_syscall()
            && task::has_current()
            && task::with_current(|t| task_of(t).linux.is_some())
        {
            arm_pending_recheck();
        }
        return;
    }
    expire_timers();
    preempt_if_due();
}

fn preempt_if_due() {
    let (app, due) = task::with_current(|t| {
        let tk = task_of(t);
        (
            tk.linux.is_some(),
            osprey_hal::time::tsc() >= tk.started.load(Ordering::Relaxed) + slice_tsc(),
        )
    });
    let waiting = !cpu().runq.is_empty();
    if waiting {
        kick_idle();
    }
    if app && due && waiting && !still_least_run() {
        switch_away(AWAY_YIELD);
    } else {
        rearm();
    }
}

/// At the end of its slice: charges the running app thread for the slice (its virtual
/// runtime, weighed by its nice value, and its CPU time) and starts a new one, and says
/// whether it has still run no more than every queued thread, in which case it keeps the CPU.
/// (Switching whenever another thread waits would be round robin: a nice-0 thread and a
/// nice-10 one would share the CPU half and half.)
fn still_least_run() -> bool {
    let now = osprey_hal::time::tsc();
    let v = task::with_current(|t| {
        let tk = task_of(t);
        let ran = osprey_hal::time::tsc_to_ns(
            now.saturating_sub(tk.started.swap(now, Ordering::Relaxed)),
        );
        let vran = tk.linux.as_ref().map_or(ran, |l| {
            l.cpu_ns.fetch_add(ran, Ordering::Relaxed);
            osprey_sched::weight::virtual_ns(ran, sched_weight(l))
        });
        tk.vruntime.fetch_add(vran, Ordering::Relaxed) + vran
    });
    cpu().runq.first_vruntime().is_some_and(|first| v <= first)
}

/// Arms the timer to look at an interrupt's note again soon (`on_timer`).
fn arm_pending_recheck() {
    let soon = crate::machine::tsc_at(monotonic_ns() + PENDING_RECHECK_NS);
    if must_arm(soon) {
        osprey_hal::dev::lapic::arm_at_tsc(soon);
    }
}

/// The end of every system call: catch up with a timer that fired in kernel code. The call
/// is over first, then the note is looked at: an interrupt in between arms its own recheck.
#[inline]
pub fn at_syscall_exit() {
    // (The entry code marked the call: `hal::trap::in_syscall`.)
    osprey_hal::trap::leave_syscall();
    // (Only this CPU's interrupts race with this: keeping the compiler's order is enough.)
    core::sync::atomic::compiler_fence(Ordering::SeqCst);
    if PENDING[cpu_id()].load(Ordering::Relaxed) {
        expire_timers();
        preempt_if_due();
    }
}

/// Takes one runnable thread from the longest other queue, for an idle CPU (at every wake-up
/// of its idle loop: a reschedule IPI from `kick_idle`, a timer).
fn steal() -> Option<Arc<Thread>> {
    let me = cpu_id();
    let mut best: Option<(usize, usize)> = None;
    for (c, ready) in READY.iter().enumerate() {
        if c == me || !ready.load(Ordering::Relaxed) {
            continue;
        }
        let n = CPUS[c].lock().runq.len();
        if n > 0 && best.is_none_or(|(_, m)| n > m) {
            best = Some((c, n));
        }
    }
    let (c, _) = best?;
    // Only a thread whose affinity allows this CPU (never take one and put it back: its CPU
    // may have gone idle meanwhile, seeing an empty queue).
    CPUS[c].lock().steal(me)
}

/// Spins for up to IDLE_POLL_NS until this CPU has something to do: a queued thread (here, or
/// on another CPU to take), or an interrupt's note. Meanwhile `notify` sends it no IPI.
fn idle_poll(me: usize) {
    POLLING[me].store(true, Ordering::SeqCst);
    let end =
        osprey_hal::time::tsc() + osprey_hal::time::ns_to_tsc(IDLE_POLL_NS.load(Ordering::Relaxed));
    let online = smp::online().clamp(1, MAX_CPUS);
    while osprey_hal::time::tsc() < end
        && !PENDING[me].load(Ordering::Relaxed)
        && !crate::net::pending()
        && !crate::stdin::irq_pending()
        && !QUEUED[..online]
            .iter()
            .any(|n| n.load(Ordering::Relaxed) != 0)
    {
        core::hint::spin_loop();
    }
    // (SeqCst: pairs with `notify`; the caller looks at the queues next.)
    POLLING[me].store(false, Ordering::SeqCst);
}

/// The idle thread's loop: run whatever is runnable, else halt until an interrupt.
pub fn idle_loop() -> ! {
    let me = cpu_id();
    IDLE[me].store(true, Ordering::SeqCst);
    // Poll once after each time the CPU ran something or woke up, then halt.
    let mut may_poll = true;
    loop {
        expire_timers();
        // (Two statements: the queue's guard must be gone before stealing locks others.)
        let own = cpu().pop();
        let next = own.or_else(steal);
        if let Some(t) = next {
            task::switch_to::<AfterSwitch>(t);
            may_poll = true;
            continue;
        }
        if may_poll
            && SCHED_CPUS.load(Ordering::Relaxed) > 1
            && IDLE_POLL_NS.load(Ordering::Relaxed) != 0
        {
            may_poll = false;
            idle_poll(me);
            continue;
        }
        may_poll = true;
        // What a thread sent before it parked (on a futex, say: only the waits of iowait
        // flush) goes out before the CPU halts, not when the send's safety timer fires.
        osprey_linux::net::inet::flush_deferred();
        rearm();
        osprey_hal::cpu::halt_unless(|| {
            !PENDING[me].load(Ordering::Relaxed)
                && !crate::net::pending()
                && !crate::stdin::irq_pending()
                && CPUS[me].lock().runq.is_empty()
        });
    }
}
