//! epoll_ctl: add, change and remove registrations, with Linux's checks.

use osprey_abi::poll::*;
use osprey_abi::Errno;

use super::epoll::{as_epoll, Registration, MAX_NESTS};
use crate::syscall::{Ctx, Fd, SysResult};
use crate::uaccess::UserPtr;

/// The bits EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS).
const EXCLUSIVE_OK: u32 = EPOLLIN
    | EPOLLOUT
    | EPOLLRDNORM
    | EPOLLRDBAND
    | EPOLLWRNORM
    | EPOLLWRBAND
    | EPOLLERR
    | EPOLLHUP
    | EPOLLWAKEUP
    | EPOLLET
    | EPOLLEXCLUSIVE;

pub fn sys_epoll_ctl(cx: &Ctx, epfd: Fd, op: i32, fd: Fd, event: UserPtr<EpollEvent>) -> SysResult {
    let has_event = op != EPOLL_CTL_DEL;
    // The event is read first: a bad pointer is EFAULT whatever else is wrong (Linux).
    let ev = if has_event {
        Some(event.read(cx.m)?)
    } else {
        None
    };
    let epf = cx.p.files.get(epfd)?;
    let tf = cx.p.files.get(fd)?;
    if epf.is_path() || tf.is_path() {
        return Err(Errno::EBADF);
    }
    // Files without a poll method (regular files, directories) cannot be watched.
    let meta = tf.metadata();
    if meta.is_regular() || meta.is_dir() {
        return Err(Errno::EPERM);
    }
    let ep = as_epoll(&epf).ok_or(Errno::EINVAL)?;
    if fd == epfd {
        return Err(Errno::EINVAL);
    }
    let target_ep = as_epoll(&tf);
    let (mut events, data) = ev.map_or((0, 0), |e| (e.events, e.data));
    if has_event
        && events & EPOLLEXCLUSIVE != 0
        && (op == EPOLL_CTL_MOD
            || (op == EPOLL_CTL_ADD && (target_ep.is_some() || events & !EXCLUSIVE_OK != 0)))
    {
        return Err(Errno::EINVAL);
    }
    // Suspend blocking needs CAP_BLOCK_SUSPEND on Linux; there is no suspend here.
    events &= !EPOLLWAKEUP;
    let key = (fd, alloc::sync::Arc::as_ptr(&tf) as usize);
    match op {
        EPOLL_CTL_ADD => {
            // Watching an epoll from an epoll: no loops, no deeper than Linux allows (the
            // depth below the target; chains grown from below are bounded at poll time). The
            // check runs without our lock held (it locks the instances below), under the
            // nesting lock until the insertion is done.
            let _nesting = target_ep.map(|_| super::epoll::NEST_LOCK.lock());
            if let Some(t) = target_ep {
                let mut seen = alloc::collections::BTreeMap::new();
                let (depth, reaches) = t.depth_and_reaches(ep, MAX_NESTS + 1, &mut seen);
                if reaches || depth >= MAX_NESTS {
                    return Err(Errno::ELOOP);
                }
            }
            let mut i = ep.interest.lock();
            for k in i.sweep() {
                remove(ep, &mut i, &k);
            }
            // A dead registration under the same key (a description closed and another
            // opened at the same address) goes first.
            if i.regs.get(&key).is_some_and(|r| r.file().is_none()) {
                remove(ep, &mut i, &key);
            }
            if i.regs.contains_key(&key) {
                return Err(Errno::EEXIST);
            }
            let id = i.next_id;
            i.next_id += 1;
            i.regs.insert(
                key,
                Registration::new(id, &tf, events | EPOLLERR | EPOLLHUP, data),
            );
            i.ids.insert(id, key);
            // Watched through its source, or polled at every scan. Either way it is looked
            // at by the next scan (Linux polls a file as it is added).
            match (tf.poll_source(), ep.watcher()) {
                (Some(src), Some(w)) => {
                    {
                        let mut r = ep.ready.lock();
                        r.known.insert(id);
                        r.push(id);
                    }
                    src.watch(alloc::sync::Arc::downgrade(&w), id);
                }
                _ => i.unsourced.push_back(id),
            }
        }
        EPOLL_CTL_MOD => {
            let mut i = ep.interest.lock();
            let r = i.regs.get_mut(&key).ok_or(Errno::ENOENT)?;
            if r.events & EPOLLEXCLUSIVE != 0 {
                return Err(Errno::EINVAL);
            }
            r.modify(events | EPOLLERR | EPOLLHUP, data);
            let id = r.id;
            let mut rl = ep.ready.lock();
            if rl.known.contains(&id) {
                rl.push(id);
            }
        }
        EPOLL_CTL_DEL => {
            let mut i = ep.interest.lock();
            if !i.regs.contains_key(&key) {
                return Err(Errno::ENOENT);
            }
            remove(ep, &mut i, &key);
        }
        _ => return Err(Errno::EINVAL),
    }
    // A waiter on this instance (or on an epoll watching it) looks again: a registration
    // added or changed is looked at by the next scan.
    ep.waiters.wake_all();
    crate::iowait::notify();
    Ok(0)
}

/// Drops a registration: from the interest list, the ready list and its file's source.
fn remove(ep: &super::epoll::Epoll, i: &mut super::epoll::Interest, key: &super::epoll::Key) {
    let Some(reg) = i.regs.remove(key) else {
        return;
    };
    i.ids.remove(&reg.id);
    i.unsourced.retain(|&x| x != reg.id);
    ep.ready.lock().forget(reg.id);
    if let (Some(f), Some(w)) = (reg.file(), ep.watcher()) {
        if let Some(src) = f.poll_source() {
            src.unwatch(&w, reg.id);
        }
    }
}
