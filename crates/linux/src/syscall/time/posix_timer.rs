//! timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete: POSIX
//! per-process timers on CLOCK_REALTIME and CLOCK_MONOTONIC (and CLOCK_BOOTTIME, the same
//! clock here), notifying by a signal to the process (SIGEV_SIGNAL; glibc's SIGEV_THREAD is
//! this too, to its helper thread with SIGEV_THREAD_ID), to one thread (SIGEV_THREAD_ID), or
//! not at all (SIGEV_NONE: the app polls timer_gettime).
//!
//! No kernel timer of their own: the kernel keeps one alarm per process (`Machine::set_alarm`),
//! armed for the earliest of ITIMER_REAL and every armed POSIX timer ([`rearm_alarm`]); when it
//! fires ([`alarm_fired`]) every timer whose deadline passed sends its signal and moves to its
//! next period. Deadlines are kept on CLOCK_MONOTONIC; an absolute CLOCK_REALTIME time is
//! converted when the timer is set (the realtime clock is never set inside the VM, so the two
//! do not drift apart).
//!
//! Overruns as Linux counts them: a timer has at most one signal queued; an expiration while it
//! is still queued (or periods missed because the alarm came late) counts one overrun each in
//! that signal's si_overrun. Once the signal has been taken, timer_getoverrun reports the
//! count it carried. CPU-time clocks are not implemented: ENOSYS.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use osprey_abi::signal::Sigevent;
use osprey_abi::signal::{
    SIGALRM, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID, SIGRTMAX, SI_TIMER,
};
use osprey_abi::time::*;
use osprey_abi::{Errno, Itimerspec, SigInfo, Timespec};

use crate::process::SignalState;
use crate::syscall::{Ctx, SysResult};
use crate::thread::Thread;
use crate::uaccess::UserPtr;

/// `TIMER_ABSTIME` (timer_settime's flags).
const TIMER_ABSTIME: i32 = 1;
/// Linux's per-process limit is RLIMIT_SIGPENDING; this is ample for one app.
const MAX_TIMERS: usize = 4096;
/// The largest overrun count reported (`DELAYTIMER_MAX`).
const DELAYTIMER_MAX: i32 = i32::MAX;

/// Who a timer's expiration notifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notify {
    None,
    Process(i32),
    /// (signal, thread id)
    Thread(i32, i32),
}

#[derive(Debug)]
struct Timer {
    realtime: bool,
    notify: Notify,
    value: u64,
    /// The next expiry on CLOCK_MONOTONIC; 0 while disarmed.
    deadline: u64,
    interval: u64,
    /// Overruns counted into the signal now queued.
    overrun: i32,
    /// The overrun count of the last signal taken (timer_getoverrun).
    overrun_last: i32,
    /// A signal of this timer was queued and may still be.
    queued: bool,
}

/// The process's POSIX timers (in [`SignalState`], under its lock).
#[derive(Debug, Default)]
pub struct Timers {
    timers: BTreeMap<i32, Timer>,
    /// Where the search for a free id starts: ids are handed out in increasing order,
    /// wrapping at i32::MAX, as Linux does (so a deleted timer's id is not soon reused).
    next_id: i32,
}

impl Timers {
    pub const fn new() -> Timers {
        Timers {
            timers: BTreeMap::new(),
            next_id: 0,
        }
    }

    fn alloc_id(&mut self) -> i32 {
        let mut id = self.next_id;
        while self.timers.contains_key(&id) {
            id = id.checked_add(1).unwrap_or(0);
        }
        self.next_id = id.checked_add(1).unwrap_or(0);
        id
    }

    /// The earliest armed deadline.
    fn next_deadline(&self) -> Option<u64> {
        self.timers
            .values()
            .filter(|t| t.deadline != 0)
            .map(|t| t.deadline)
            .min()
    }
}

fn is_ours(id: i32) -> impl Fn(&SigInfo) -> bool {
    move |i| i.si_code == SI_TIMER && i.si_timerid() == id
}

/// Arms the process's alarm for the earliest of ITIMER_REAL and the POSIX timers.
pub fn rearm_alarm(cx: &Ctx) {
    let next = {
        let s = cx.p.signals.lock();
        let itimer = (s.itimer_real.0 != 0).then_some(s.itimer_real.0);
        match (itimer, s.posix_timers.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    };
    cx.m.set_alarm(next);
}

fn ns_timespec(ns: u64) -> Timespec {
    Timespec {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_nsec: (ns % 1_000_000_000) as i64,
    }
}

/// The app's threads by tid, looked up before the signal lock is taken (the thread table's
/// lock is never taken inside it).
type Threads = BTreeMap<i32, Arc<Thread>>;

fn threads(cx: &Ctx) -> Threads {
    cx.p.threads.lock().clone()
}

/// Runs `f` on timer `id`'s signal if it still waits in a queue (the process's, or its
/// thread's). Called with the process's signal lock held (`s`): the thread's lock nests inside
/// it, as when a signal is sent.
fn with_queued<R>(
    s: &mut SignalState,
    threads: &Threads,
    id: i32,
    notify: Notify,
    f: impl FnOnce(&mut SigInfo) -> R,
) -> Option<R> {
    let pick = is_ours(id);
    match notify {
        Notify::None => None,
        Notify::Process(_) => s.pending.find_mut(&pick).map(f),
        Notify::Thread(_, tid) => {
            let t = threads.get(&tid)?;
            let mut ts = t.signals.lock();
            let r = ts.pending.find_mut(&pick).map(f);
            r
        }
    }
}

/// Brings `overrun_last` up to date: a signal that was queued and is gone was taken.
fn note_taken(s: &mut SignalState, threads: &Threads, id: i32) {
    let Some(t) = s.posix_timers.timers.get(&id) else {
        return;
    };
    if !t.queued {
        return;
    }
    let notify = t.notify;
    if with_queued(s, threads, id, notify, |_| ()).is_none() {
        let t = s.posix_timers.timers.get_mut(&id).expect("looked up above");
        t.overrun_last = t.overrun;
        t.overrun = 0;
        t.queued = false;
    }
}

pub fn sys_timer_create(
    cx: &Ctx,
    clock: i32,
    event: UserPtr<Sigevent>,
    out: UserPtr<i32>,
) -> SysResult {
    let realtime = match clock {
        CLOCK_REALTIME => true,
        CLOCK_MONOTONIC | CLOCK_BOOTTIME => false,
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => return Err(Errno::ENOSYS),
        // The alarm clocks need CAP_WAKE_ALARM on Linux; the rest are not timer clocks.
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => return Err(Errno::EPERM),
        c if c < 0 => return Err(Errno::ENOSYS), // a CPU-time clock of a pid or thread
        _ => return Err(Errno::EINVAL),
    };
    let ev = match event.nullable() {
        Some(p) => Some(p.read(cx.m)?),
        None => None,
    };
    if let Some(e) = ev.filter(|e| e.sigev_notify == SIGEV_THREAD_ID) {
        // The thread must belong to this process.
        cx.p.thread(e.sigev_notify_thread_id).ok_or(Errno::EINVAL)?;
    }
    let mut s = cx.p.signals.lock();
    if s.posix_timers.timers.len() >= MAX_TIMERS {
        return Err(Errno::EAGAIN);
    }
    let id = s.posix_timers.alloc_id();
    let valid_signal = |sig: i32| (1..=SIGRTMAX).contains(&sig);
    // Without a sigevent: SIGALRM to the process with the timer id as its value.
    let (notify, value) = match ev {
        None => (Notify::Process(SIGALRM), id as u64),
        Some(e) => {
            let n = match e.sigev_notify {
                SIGEV_NONE => Notify::None,
                SIGEV_SIGNAL | SIGEV_THREAD if valid_signal(e.sigev_signo) => {
                    Notify::Process(e.sigev_signo)
                }
                SIGEV_THREAD_ID if valid_signal(e.sigev_signo) => {
                    Notify::Thread(e.sigev_signo, e.sigev_notify_thread_id)
                }
                _ => return Err(Errno::EINVAL),
            };
            (n, e.sigev_value)
        }
    };
    s.posix_timers.timers.insert(
        id,
        Timer {
            realtime,
            notify,
            value,
            deadline: 0,
            interval: 0,
            overrun: 0,
            overrun_last: 0,
            queued: false,
        },
    );
    drop(s);
    if let Err(e) = out.write(cx.m, &id) {
        cx.p.signals.lock().posix_timers.timers.remove(&id);
        return Err(e);
    }
    Ok(0)
}

/// The time left and the interval, as timer_gettime shows them (at least 1 ns while armed).
fn current(t: &Timer, now: u64) -> Itimerspec {
    let left = if t.deadline == 0 {
        0
    } else {
        t.deadline.saturating_sub(now).max(1)
    };
    Itimerspec {
        it_interval: ns_timespec(t.interval),
        it_value: ns_timespec(left),
    }
}

/// A SIGEV_NONE timer is never signalled: its periods are counted when someone looks.
fn advance_silent(t: &mut Timer, now: u64) {
    if t.notify == Notify::None && t.deadline != 0 && now >= t.deadline {
        t.deadline = next_after(t.deadline, t.interval, now).0;
    }
}

/// The next deadline after `now` for a timer due at `deadline` (0: a one-shot timer is done),
/// and how many periods were missed besides the one due.
fn next_after(deadline: u64, interval: u64, now: u64) -> (u64, u64) {
    match (now - deadline).checked_div(interval) {
        None => (0, 0),
        Some(missed) => (
            deadline.saturating_add((missed + 1).saturating_mul(interval)),
            missed,
        ),
    }
}

pub fn sys_timer_settime(
    cx: &Ctx,
    id: i32,
    flags: i32,
    new: UserPtr<Itimerspec>,
    old: UserPtr<Itimerspec>,
) -> SysResult {
    let spec = new.read(cx.m)?;
    let value = super::timespec_ns(&spec.it_value)?;
    let interval = super::timespec_ns(&spec.it_interval)?;
    let now = cx.m.monotonic_ns();
    let previous = {
        let mut s = cx.p.signals.lock();
        let t = s.posix_timers.timers.get_mut(&id).ok_or(Errno::EINVAL)?;
        advance_silent(t, now);
        let previous = current(t, now);
        t.deadline = if value == 0 {
            0
        } else if flags & TIMER_ABSTIME != 0 {
            // An absolute time on the timer's clock; one already past fires at once.
            let on_mono = if t.realtime {
                let offset = cx.m.realtime_ns().saturating_sub(now);
                value.saturating_sub(offset)
            } else {
                value
            };
            on_mono.max(1)
        } else {
            now.saturating_add(value)
        };
        t.interval = if t.deadline == 0 { 0 } else { interval };
        t.overrun_last = 0;
        previous
    };
    rearm_alarm(cx);
    if t_due(cx, id, now) {
        // Already due (an absolute time in the past): fire now, as Linux does.
        alarm_fired(cx);
    }
    if let Some(p) = old.nullable() {
        p.write(cx.m, &previous)?;
    }
    Ok(0)
}

fn t_due(cx: &Ctx, id: i32, now: u64) -> bool {
    cx.p.signals
        .lock()
        .posix_timers
        .timers
        .get(&id)
        .is_some_and(|t| t.deadline != 0 && t.deadline <= now)
}

pub fn sys_timer_gettime(cx: &Ctx, id: i32, out: UserPtr<Itimerspec>) -> SysResult {
    let now = cx.m.monotonic_ns();
    let v = {
        let mut s = cx.p.signals.lock();
        let t = s.posix_timers.timers.get_mut(&id).ok_or(Errno::EINVAL)?;
        advance_silent(t, now);
        current(t, now)
    };
    out.write(cx.m, &v)?;
    Ok(0)
}

pub fn sys_timer_getoverrun(cx: &Ctx, id: i32) -> SysResult {
    let threads = threads(cx);
    let mut s = cx.p.signals.lock();
    if !s.posix_timers.timers.contains_key(&id) {
        return Err(Errno::EINVAL);
    }
    note_taken(&mut s, &threads, id);
    let t = &s.posix_timers.timers[&id];
    Ok(t.overrun_last.clamp(0, DELAYTIMER_MAX) as usize)
}

pub fn sys_timer_delete(cx: &Ctx, id: i32) -> SysResult {
    let threads = threads(cx);
    let t = {
        let mut s = cx.p.signals.lock();
        let t = s.posix_timers.timers.remove(&id).ok_or(Errno::EINVAL)?;
        // Its signal, if still queued, is never delivered (Linux 6.13+ drops it as it would
        // be taken).
        match t.notify {
            Notify::Process(_) => s.pending.remove_where(is_ours(id)),
            Notify::Thread(_, tid) => {
                if let Some(th) = threads.get(&tid) {
                    th.signals.lock().pending.remove_where(is_ours(id));
                }
            }
            Notify::None => {}
        }
        t
    };
    if t.deadline != 0 {
        rearm_alarm(cx);
    }
    Ok(0)
}

/// The process's alarm fired (`Linux::itimer_fired`): ITIMER_REAL and every POSIX timer whose
/// deadline passed send their signals; the alarm is armed for what comes next.
pub fn alarm_fired(cx: &Ctx) {
    super::itimer::fired(cx);
    let now = cx.m.monotonic_ns();
    let threads = threads(cx);
    let mut send = alloc::vec::Vec::new();
    {
        let mut s = cx.p.signals.lock();
        let due: alloc::vec::Vec<i32> = s
            .posix_timers
            .timers
            .iter()
            .filter(|(_, t)| t.deadline != 0 && t.deadline <= now)
            .map(|(&id, _)| id)
            .collect();
        for id in due {
            note_taken(&mut s, &threads, id);
            let t = s.posix_timers.timers.get_mut(&id).expect("listed above");
            let (next, missed) = next_after(t.deadline, t.interval, now);
            t.deadline = next;
            let notify = t.notify;
            if notify == Notify::None {
                continue;
            }
            let missed = missed.min(DELAYTIMER_MAX as u64) as i32;
            if t.queued {
                // Its signal still waits: this expiration (and the missed ones) are overruns.
                let add = missed.saturating_add(1);
                t.overrun = t.overrun.saturating_add(add);
                let total = t.overrun;
                with_queued(&mut s, &threads, id, notify, |i| i.set_si_overrun(total));
                continue;
            }
            t.overrun = missed;
            t.queued = true;
            let (sig, target) = match notify {
                Notify::Process(sig) => (sig, None),
                Notify::Thread(sig, tid) => (sig, Some(tid)),
                Notify::None => unreachable!("skipped above"),
            };
            send.push((SigInfo::timer(sig, id, missed, t.value), target));
        }
    }
    for (info, target) in send {
        // A thread that has gone: the process takes the signal (Linux would have failed
        // the timer_create for it, and a timer outliving its thread is an app bug).
        match target.and_then(|tid| threads.get(&tid)) {
            Some(t) => crate::signal::send_to_thread(cx, t, info),
            None => crate::signal::send_to_process(cx, info),
        }
    }
    rearm_alarm(cx);
}

#[cfg(test)]
mod tests {
    use osprey_abi::signal::{sigmask, SIGEV_NONE, SIGEV_SIGNAL, SIGUSR1, SI_TIMER};
    use osprey_abi::sysno::*;
    use osprey_abi::IntoBytes;

    use super::*;
    use crate::machine::Machine;
    use crate::testing::TestEnv;

    fn sigevent(notify: i32, signo: i32, value: u64) -> Sigevent {
        Sigevent {
            sigev_value: value,
            sigev_signo: signo,
            sigev_notify: notify,
            ..Default::default()
        }
    }

    fn create(env: &TestEnv, ev: &Sigevent) -> i32 {
        let p = env.m.alloc(4096);
        env.m.copy_to_user(p, ev.as_bytes()).unwrap();
        assert_eq!(env.sys(SYS_TIMER_CREATE, &[1, p, p + 64]), 0);
        let mut id = [0u8; 4];
        env.m.copy_from_user(p + 64, &mut id).unwrap();
        i32::from_le_bytes(id)
    }

    fn settime(env: &TestEnv, id: i32, value_ms: i64, interval_ms: i64) {
        let p = env.m.alloc(4096);
        let it: [i64; 4] = [0, interval_ms * 1_000_000, 0, value_ms * 1_000_000];
        env.m.copy_to_user(p, it.as_bytes()).unwrap();
        assert_eq!(env.sys(SYS_TIMER_SETTIME, &[id as u64, 0, p, 0]), 0);
    }

    #[test]
    fn periodic_timer_counts_overruns_in_its_queued_signal() {
        let env = TestEnv::new();
        let cx = env.cx();
        env.t.signals.lock().mask = sigmask(SIGUSR1); // keep it queued
        let id = create(&env, &sigevent(SIGEV_SIGNAL, SIGUSR1, 7));
        settime(&env, id, 10, 10);
        let now = env.m.monotonic_ns();
        assert_eq!(*env.m.alarm.lock().unwrap(), Some(now + 10_000_000));
        // The alarm comes 35 ms late: one signal, 3 missed periods already counted.
        env.m.park(Some(now + 45_000_000));
        alarm_fired(&cx);
        assert_eq!(
            *env.m.alarm.lock().unwrap(),
            Some(now + 50_000_000),
            "next period"
        );
        // Another expiration while it is still queued adds one overrun.
        env.m.park(Some(now + 50_000_000));
        alarm_fired(&cx);
        let info = {
            let mut s = env.p.signals.lock();
            let i = *s.pending.find_mut(|i| i.si_code == SI_TIMER).unwrap();
            assert!(s.pending.take(sigmask(SIGUSR1)).is_some());
            assert!(s.pending.take(sigmask(SIGUSR1)).is_none(), "queued once");
            i
        };
        assert_eq!(
            (info.si_timerid(), info.si_overrun(), info.__rest[0]),
            (id, 4, 7)
        );
        assert_eq!(env.sys(SYS_TIMER_GETOVERRUN, &[id as u64]), 4);
        assert_eq!(env.sys(SYS_TIMER_DELETE, &[id as u64]), 0);
        assert_eq!(*env.m.alarm.lock().unwrap(), None);
        assert_eq!(
            env.sys(SYS_TIMER_GETOVERRUN, &[id as u64]),
            Errno::EINVAL.as_ret()
        );
    }

    #[test]
    fn sigev_none_sends_nothing_and_ids_are_not_reused() {
        let env = TestEnv::new();
        let cx = env.cx();
        let a = create(&env, &sigevent(SIGEV_NONE, 0, 0));
        settime(&env, a, 5, 0);
        env.m.park(Some(env.m.monotonic_ns() + 6_000_000));
        alarm_fired(&cx);
        assert_eq!(env.p.signals.lock().pending.set, 0);
        assert_eq!(env.sys(SYS_TIMER_DELETE, &[a as u64]), 0);
        let b = create(&env, &sigevent(SIGEV_NONE, 0, 0));
        assert_ne!(a, b);
        // A bad sigevent: EINVAL.
        let p = env.m.alloc(4096);
        env.m
            .copy_to_user(p, sigevent(99, SIGUSR1, 0).as_bytes())
            .unwrap();
        assert_eq!(
            env.sys(SYS_TIMER_CREATE, &[1, p, p + 64]),
            Errno::EINVAL.as_ret()
        );
    }
}
