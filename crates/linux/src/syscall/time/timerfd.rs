//! timerfd_create, timerfd_settime, timerfd_gettime: timers read as files.
//!
//! A timerfd needs no kernel timer: its expirations are counted from the clock whenever
//! someone looks (read, poll, gettime). A blocking read waits on the app-wide I/O wait list
//! with the next expiry as its deadline, so it wakes on time; poll and select notice within
//! their 200 us re-check. CLOCK_REALTIME timers follow the realtime clock (absolute deadlines
//! kept on it); TFD_TIMER_CANCEL_ON_SET is accepted (the clock is never set in a VM, so there
//! is nothing to cancel).

use alloc::sync::Arc;

use osprey_abi::fcntl::{
    O_RDWR, TFD_CLOEXEC, TFD_NONBLOCK, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET,
};
use osprey_abi::time::*;
use osprey_abi::{Errno, Itimerspec, Timespec};
use osprey_vfs::{Dentry, Inode, Metadata, OpenFile};
use spin::Mutex;

use crate::machine::Machine;
use crate::syscall::{Ctx, SysResult};
use crate::uaccess::UserPtr;

const POLLIN: u16 = 0x001;
const POLLRDNORM: u16 = 0x040;

struct State {
    /// The next expiry on the timer's clock (ns); None: disarmed.
    next: Option<u64>,
    interval: u64,
    /// Expirations counted but not yet read.
    ticks: u64,
}

/// Timerfds that exist: while any does, waiters re-check every 200 us, since nothing tells
/// them when one expires ([`any_live`]).
static LIVE: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Whether the app has a timerfd (iowait's waiters then look again every 200 us).
pub fn any_live() -> bool {
    LIVE.load(core::sync::atomic::Ordering::SeqCst) != 0
}

impl Drop for TimerFd {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, core::sync::atomic::Ordering::SeqCst);
    }
}

pub struct TimerFd {
    m: &'static dyn Machine,
    realtime: bool,
    meta: Metadata,
    state: Mutex<State>,
}

impl TimerFd {
    fn now(&self) -> u64 {
        if self.realtime {
            self.m.realtime_ns()
        } else {
            self.m.monotonic_ns()
        }
    }

    /// Brings `ticks` up to date with the clock.
    fn advance(&self, s: &mut State) {
        let now = self.now();
        let Some(next) = s.next else { return };
        if now < next {
            return;
        }
        if s.interval == 0 {
            s.ticks += 1;
            s.next = None;
        } else {
            let n = (now - next) / s.interval + 1;
            s.ticks = s.ticks.saturating_add(n);
            s.next = Some(next + n * s.interval);
        }
    }

    fn ready(&self) -> bool {
        let mut s = self.state.lock();
        self.advance(&mut s);
        s.ticks > 0
    }

    /// The remaining time and the interval, as timerfd_gettime shows them.
    fn current(&self, s: &State) -> Itimerspec {
        let left = s.next.map_or(0, |n| n.saturating_sub(self.now()).max(1));
        Itimerspec {
            it_interval: ns_timespec(s.interval),
            it_value: ns_timespec(left),
        }
    }
}

fn ns_timespec(ns: u64) -> Timespec {
    Timespec {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_nsec: (ns % 1_000_000_000) as i64,
    }
}

impl Inode for TimerFd {
    fn metadata(&self) -> Metadata {
        self.meta
    }
    fn seekable(&self) -> bool {
        false
    }
    /// Reads the expiration count (8 bytes) and resets it; EAGAIN when there is none yet (the
    /// system call waits unless the file is O_NONBLOCK).
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let mut s = self.state.lock();
        self.advance(&mut s);
        if s.ticks == 0 {
            return Err(Errno::EAGAIN);
        }
        buf[..8].copy_from_slice(&s.ticks.to_ne_bytes());
        s.ticks = 0;
        Ok(8)
    }
    fn write_at(&self, _offset: u64, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    fn poll(&self, events: u16) -> u16 {
        if self.ready() {
            events & (POLLIN | POLLRDNORM)
        } else {
            0
        }
    }
}

/// The timerfd behind `f`; EINVAL for any other file, as Linux says.
fn as_timer(f: &OpenFile) -> Result<&TimerFd, Errno> {
    let io: &dyn Inode = &**f.io();
    io.as_any().downcast_ref::<TimerFd>().ok_or(Errno::EINVAL)
}

pub fn sys_timerfd_create(cx: &Ctx, clockid: i32, flags: u32) -> SysResult {
    let realtime = match clockid {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM => true,
        CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => false,
        _ => return Err(Errno::EINVAL),
    };
    if flags & !(TFD_CLOEXEC | TFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let (dev, ino) = crate::syscall::fs::anon_inode_id();
    LIVE.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
    let t = Arc::new(TimerFd {
        m: cx.m,
        realtime,
        meta: Metadata {
            dev,
            ino,
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Metadata::default()
        },
        state: Mutex::new(State {
            next: None,
            interval: 0,
            ticks: 0,
        }),
    });
    let f = OpenFile::new(
        Dentry::anonymous(t, b"anon_inode:[timerfd]"),
        O_RDWR | (flags & TFD_NONBLOCK),
    )?;
    cx.p.files
        .insert(f, flags & TFD_CLOEXEC != 0)
        .map(|fd| fd as usize)
}

pub fn sys_timerfd_settime(
    cx: &Ctx,
    fd: i32,
    flags: u32,
    new: UserPtr<Itimerspec>,
    old: UserPtr<Itimerspec>,
) -> SysResult {
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let f = crate::syscall::fs::file(cx, fd)?;
    let t = as_timer(&f)?;
    let spec = new.read(cx.m)?;
    let value = super::timespec_ns(&spec.it_value)?;
    let interval = super::timespec_ns(&spec.it_interval)?;
    let previous = {
        let mut s = t.state.lock();
        t.advance(&mut s);
        let previous = t.current(&s);
        s.ticks = 0;
        s.interval = interval;
        s.next = if value == 0 {
            None
        } else if flags & TFD_TIMER_ABSTIME != 0 {
            Some(value)
        } else {
            Some(t.now().saturating_add(value))
        };
        previous
    };
    crate::iowait::notify();
    if let Some(p) = old.nullable() {
        p.write(cx.m, &previous)?;
    }
    Ok(0)
}

pub fn sys_timerfd_gettime(cx: &Ctx, fd: i32, cur: UserPtr<Itimerspec>) -> SysResult {
    let f = crate::syscall::fs::file(cx, fd)?;
    let t = as_timer(&f)?;
    let v = {
        let mut s = t.state.lock();
        t.advance(&mut s);
        t.current(&s)
    };
    cur.write(cx.m, &v)?;
    Ok(0)
}
