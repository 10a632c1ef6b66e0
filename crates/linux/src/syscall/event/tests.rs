//! Host tests of poll/select and of the single-thread futex, through the system-call table.

use osprey_abi::futex::*;
use osprey_abi::poll::*;
use osprey_abi::sysno::*;
use osprey_abi::Errno;

use crate::testing::TestEnv;

fn pollfd(fd: i32, events: i16) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&fd.to_le_bytes());
    b[4..6].copy_from_slice(&events.to_le_bytes());
    b
}

#[test]
fn poll_reports_ready_descriptors_and_nval() {
    let e = TestEnv::new();
    // A regular file is always ready; fd 55 is not open (POLLNVAL); -1 is skipped.
    let path = e.m.cstr("/tmp/p");
    let fd = e.sys(
        SYS_OPEN,
        &[
            path,
            (osprey_abi::fcntl::O_CREAT | osprey_abi::fcntl::O_RDWR) as u64,
            0o644,
        ],
    );
    assert!(fd >= 3);
    let mut buf = Vec::new();
    buf.extend_from_slice(&pollfd(fd as i32, POLLIN | POLLOUT));
    buf.extend_from_slice(&pollfd(55, POLLIN));
    buf.extend_from_slice(&pollfd(-1, POLLIN));
    let fds = e.m.alloc_bytes(&buf);
    assert_eq!(e.sys(SYS_POLL, &[fds, 3, 0]), 2);
    let revents = |i: u64| i16::from_le_bytes(e.m.peek(fds + i * 8 + 6, 2).try_into().unwrap());
    assert_eq!(revents(0), POLLIN | POLLOUT);
    assert_eq!(revents(1), POLLNVAL);
    assert_eq!(revents(2), 0);
    // A bad array pointer is EFAULT; more descriptors than RLIMIT_NOFILE is EINVAL.
    assert_eq!(e.sys(SYS_POLL, &[0x10, 1, 0]), Errno::EFAULT.as_ret());
    assert_eq!(e.sys(SYS_POLL, &[fds, 1 << 20, 0]), Errno::EINVAL.as_ret());
}

#[test]
fn select_checks_descriptors_and_fills_the_sets() {
    let e = TestEnv::new();
    // fds 0-2 are the console: stdout is writable.
    let set = e.m.alloc_bytes(&(1u64 << 1).to_le_bytes());
    let tv = e.m.alloc_bytes(&[0u8; 16]);
    assert_eq!(e.sys(SYS_SELECT, &[2, 0, set, 0, tv]), 1);
    assert_eq!(
        u64::from_le_bytes(e.m.peek(set, 8).try_into().unwrap()),
        1 << 1
    );
    // A closed descriptor in a set: EBADF.
    let bad = e.m.alloc_bytes(&(1u64 << 9).to_le_bytes());
    assert_eq!(
        e.sys(SYS_SELECT, &[10, bad, 0, 0, tv]),
        Errno::EBADF.as_ret()
    );
    // A negative timeout: EINVAL.
    let mut neg = [0u8; 16];
    neg[..8].copy_from_slice(&(-1i64).to_le_bytes());
    let ntv = e.m.alloc_bytes(&neg);
    assert_eq!(
        e.sys(SYS_SELECT, &[2, 0, set, 0, ntv]),
        Errno::EINVAL.as_ret()
    );
}

#[test]
fn single_thread_futex_wakes_no_one_and_checks_values() {
    let e = TestEnv::new();
    let word = e.m.alloc_bytes(&7u32.to_le_bytes());
    let private = FUTEX_PRIVATE_FLAG as u64;
    assert_eq!(e.sys(SYS_FUTEX, &[word, FUTEX_WAKE as u64 | private, 1]), 0);
    // The value changed under the waiter: EAGAIN at once.
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAIT as u64 | private, 8, 0]),
        Errno::EAGAIN.as_ret()
    );
    // A timed wait whose value matches times out.
    let ts = e.m.alloc_bytes(&[0u8; 16]);
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAIT as u64, 7, ts]),
        Errno::ETIMEDOUT.as_ret()
    );
    // Misaligned words and a zero bitset are EINVAL; a bad pointer EFAULT.
    assert_eq!(
        e.sys(SYS_FUTEX, &[word + 1, FUTEX_WAKE as u64, 1]),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAIT_BITSET as u64, 7, 0, 0, 0]),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        e.sys(SYS_FUTEX, &[0x10, FUTEX_WAIT as u64, 7, ts]),
        Errno::EFAULT.as_ret()
    );
    // FUTEX_WAKE_OP applies its operation to the second word: op ADD 5.
    let word2 = e.m.alloc_bytes(&10u32.to_le_bytes());
    let op = (1u64 << 28) | (5 << 12);
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_WAKE_OP as u64, 1, 1, word2, op]),
        0
    );
    assert_eq!(
        u32::from_le_bytes(e.m.peek(word2, 4).try_into().unwrap()),
        15
    );
    // CMP_REQUEUE compares the first word with val3.
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_CMP_REQUEUE as u64, 1, 1, word2, 8]),
        Errno::EAGAIN.as_ret()
    );
    assert_eq!(
        e.sys(SYS_FUTEX, &[word, FUTEX_CMP_REQUEUE as u64, 1, 1, word2, 7]),
        0
    );
}

#[test]
fn futex_waitv_checks_entries_values_and_deadlines() {
    use osprey_abi::futex::{FUTEX2_PRIVATE, FUTEX_32};
    use osprey_abi::sysno::SYS_FUTEX_WAITV;
    let e = TestEnv::new();
    let words = e.m.alloc_bytes(&[0u8; 8]);
    let entry = |val: u64, uaddr: u64, flags: u32| {
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&val.to_le_bytes());
        b[8..16].copy_from_slice(&uaddr.to_le_bytes());
        b[16..20].copy_from_slice(&flags.to_le_bytes());
        b
    };
    let list = |entries: &[[u8; 24]]| e.m.alloc_bytes(&entries.concat());
    let ok = list(&[
        entry(0, words, FUTEX_32 | FUTEX2_PRIVATE),
        entry(0, words + 4, FUTEX_32),
    ]);
    let past = e.m.alloc_bytes(&[0u8; 16]);
    let waitv = |l: u64, n: u64, ts: u64, clock: u64| e.sys(SYS_FUTEX_WAITV, &[l, n, 0, ts, clock]);
    assert_eq!(waitv(ok, 2, past, 1), Errno::ETIMEDOUT.as_ret());
    assert_eq!(waitv(ok, 2, past, 0), Errno::ETIMEDOUT.as_ret());
    assert_eq!(waitv(ok, 2, past, 7), Errno::EINVAL.as_ret());
    assert_eq!(waitv(ok, 0, past, 1), Errno::EINVAL.as_ret());
    assert_eq!(waitv(ok, 129, past, 1), Errno::EINVAL.as_ret());
    assert_eq!(
        e.sys(SYS_FUTEX_WAITV, &[ok, 2, 1, past, 1]),
        Errno::EINVAL.as_ret()
    );
    // A word that differs: EAGAIN, and nothing stays queued.
    let changed = list(&[entry(0, words, FUTEX_32), entry(5, words + 4, FUTEX_32)]);
    assert_eq!(waitv(changed, 2, 0, 1), Errno::EAGAIN.as_ret());
    assert_eq!(e.cx().p.futexes.waiters(words), 0);
    // Bad entries: a 64-bit futex, a misaligned word, a reserved field set; a bad array.
    assert_eq!(
        waitv(list(&[entry(0, words, 3)]), 1, past, 1),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        waitv(list(&[entry(0, words + 2, FUTEX_32)]), 1, past, 1),
        Errno::EINVAL.as_ret()
    );
    let mut reserved = entry(0, words, FUTEX_32);
    reserved[20] = 1;
    assert_eq!(waitv(list(&[reserved]), 1, past, 1), Errno::EINVAL.as_ret());
    assert_eq!(waitv(0x10, 1, past, 1), Errno::EFAULT.as_ret());
}

#[test]
fn pi_futex_lock_unlock_trylock_and_their_errors() {
    use osprey_abi::futex::{FUTEX_OWNER_DIED, FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI};
    let e = TestEnv::new();
    let me = e.cx().t.tid as u32;
    let word = e.m.alloc_bytes(&0u32.to_le_bytes());
    let val = |w: u64| u32::from_le_bytes(e.m.peek(w, 4).try_into().unwrap());
    let op = |w: u64, cmd: i32| e.sys(SYS_FUTEX, &[w, cmd as u64, 0, 0]);
    // glibc's probe: unlocking a free word is EPERM (not ENOSYS: PI is there).
    assert_eq!(op(word, FUTEX_UNLOCK_PI), Errno::EPERM.as_ret());
    // A free word becomes the caller's id; locking it again is EDEADLK, trylock too.
    assert_eq!(op(word, FUTEX_LOCK_PI), 0);
    assert_eq!(val(word), me);
    assert_eq!(op(word, FUTEX_LOCK_PI), Errno::EDEADLK.as_ret());
    assert_eq!(op(word, FUTEX_TRYLOCK_PI), Errno::EDEADLK.as_ret());
    assert_eq!(op(word, FUTEX_UNLOCK_PI), 0);
    assert_eq!(val(word), 0);
    assert_eq!(op(word, FUTEX_UNLOCK_PI), Errno::EPERM.as_ret());
    // Held by a thread that does not exist: ESRCH; trylock says EAGAIN.
    e.m.poke(word, &4242u32.to_le_bytes());
    assert_eq!(op(word, FUTEX_LOCK_PI), Errno::ESRCH.as_ret());
    assert_eq!(op(word, FUTEX_TRYLOCK_PI), Errno::EAGAIN.as_ret());
    assert_eq!(op(word, FUTEX_UNLOCK_PI), Errno::EPERM.as_ret());
    // A robust owner died (id cleared, FUTEX_OWNER_DIED set): the lock is taken with the
    // mark kept, which tells glibc to answer EOWNERDEAD.
    e.m.poke(word, &FUTEX_OWNER_DIED.to_le_bytes());
    assert_eq!(op(word, FUTEX_TRYLOCK_PI), 0);
    assert_eq!(val(word), me | FUTEX_OWNER_DIED);
    // Misaligned: EINVAL; unmapped: EFAULT.
    assert_eq!(op(word + 1, FUTEX_LOCK_PI), Errno::EINVAL.as_ret());
    assert_eq!(op(0x10, FUTEX_LOCK_PI), Errno::EFAULT.as_ret());
    // The requeue-PI pair stays unimplemented.
    assert_eq!(
        e.sys(
            SYS_FUTEX,
            &[word, FUTEX_WAIT_REQUEUE_PI as u64, 0, 0, word, 0]
        ),
        Errno::ENOSYS.as_ret()
    );
}

// eventfd and epoll.

use osprey_abi::fcntl::{EFD_NONBLOCK, EFD_SEMAPHORE};

fn u64_at(e: &TestEnv, addr: u64) -> u64 {
    u64::from_le_bytes(e.m.peek(addr, 8).try_into().unwrap())
}

#[test]
fn eventfd_counts_reads_and_checks_sizes() {
    let e = TestEnv::new();
    let fd = e.sys(SYS_EVENTFD2, &[3, EFD_NONBLOCK as u64]) as u64;
    let buf = e.m.alloc(16);
    // Reads take the whole counter, then EAGAIN; short buffers are EINVAL.
    assert_eq!(e.sys(SYS_READ, &[fd, buf, 4]), Errno::EINVAL.as_ret());
    assert_eq!(e.sys(SYS_READ, &[fd, buf, 8]), 8);
    assert_eq!(u64_at(&e, buf), 3);
    assert_eq!(e.sys(SYS_READ, &[fd, buf, 8]), Errno::EAGAIN.as_ret());
    // Writes add; 2^64-1 is EINVAL; past 2^64-2 would block: EAGAIN.
    e.m.poke(buf, &5u64.to_le_bytes());
    assert_eq!(e.sys(SYS_WRITE, &[fd, buf, 8]), 8);
    assert_eq!(e.sys(SYS_WRITE, &[fd, buf, 8]), 8);
    e.m.poke(buf, &u64::MAX.to_le_bytes());
    assert_eq!(e.sys(SYS_WRITE, &[fd, buf, 8]), Errno::EINVAL.as_ret());
    e.m.poke(buf, &(u64::MAX - 10).to_le_bytes());
    assert_eq!(e.sys(SYS_WRITE, &[fd, buf, 8]), Errno::EAGAIN.as_ret());
    assert_eq!(e.sys(SYS_READ, &[fd, buf, 8]), 8);
    assert_eq!(u64_at(&e, buf), 10);
    // Semaphore mode: each read returns 1.
    let sem = e.sys(SYS_EVENTFD2, &[2, (EFD_SEMAPHORE | EFD_NONBLOCK) as u64]) as u64;
    for _ in 0..2 {
        assert_eq!(e.sys(SYS_READ, &[sem, buf, 8]), 8);
        assert_eq!(u64_at(&e, buf), 1);
    }
    assert_eq!(e.sys(SYS_READ, &[sem, buf, 8]), Errno::EAGAIN.as_ret());
    assert_eq!(
        e.sys(SYS_EVENTFD2, &[0, 0x8000_0000]),
        Errno::EINVAL.as_ret()
    );
}

/// Registers `fd` with `events` and the cookie `data` (op ADD/MOD/DEL).
fn ctl(e: &TestEnv, ep: u64, op: i32, fd: u64, events: u32, data: u64) -> isize {
    let mut b = [0u8; 12];
    b[..4].copy_from_slice(&events.to_le_bytes());
    b[4..].copy_from_slice(&data.to_le_bytes());
    let ev = e.m.alloc_bytes(&b);
    e.sys(SYS_EPOLL_CTL, &[ep, op as u64, fd, ev])
}

/// epoll_wait with timeout 0: the (events, data) pairs.
fn wait(e: &TestEnv, ep: u64, max: usize) -> Vec<(u32, u64)> {
    let out = e.m.alloc(12 * max as u64);
    let n = e.sys(SYS_EPOLL_WAIT, &[ep, out, max as u64, 0]);
    assert!(n >= 0, "epoll_wait: {n}");
    (0..n as u64)
        .map(|i| {
            let b = e.m.peek(out + 12 * i, 12);
            (
                u32::from_le_bytes(b[..4].try_into().unwrap()),
                u64::from_le_bytes(b[4..].try_into().unwrap()),
            )
        })
        .collect()
}

fn pipe(e: &TestEnv) -> (u64, u64) {
    let fds = e.m.alloc(8);
    assert_eq!(
        e.sys(SYS_PIPE2, &[fds, osprey_abi::fcntl::O_NONBLOCK as u64]),
        0
    );
    (e.m.peek_i32(fds) as u64, e.m.peek_i32(fds + 4) as u64)
}

#[test]
fn epoll_level_edge_and_oneshot() {
    let e = TestEnv::new();
    let ep = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let (r, w) = pipe(&e);
    let (r2, w2) = pipe(&e);
    let (r3, w3) = pipe(&e);
    let byte = e.m.alloc_bytes(b"x");
    let buf = e.m.alloc(16);
    assert_eq!(ctl(&e, ep, EPOLL_CTL_ADD, r, EPOLLIN, 1), 0);
    assert_eq!(ctl(&e, ep, EPOLL_CTL_ADD, r2, EPOLLIN | EPOLLET, 2), 0);
    assert_eq!(ctl(&e, ep, EPOLL_CTL_ADD, r3, EPOLLIN | EPOLLONESHOT, 3), 0);
    assert!(wait(&e, ep, 8).is_empty());
    for fd in [w, w2, w3] {
        assert_eq!(e.sys(SYS_WRITE, &[fd, byte, 1]), 1);
    }
    let got = wait(&e, ep, 8);
    assert_eq!(got, vec![(EPOLLIN, 1), (EPOLLIN, 2), (EPOLLIN, 3)]);
    // Level: again. Edge: not until more data comes. One-shot: disarmed.
    assert_eq!(wait(&e, ep, 8), vec![(EPOLLIN, 1)]);
    assert_eq!(e.sys(SYS_WRITE, &[w2, byte, 1]), 1);
    assert_eq!(wait(&e, ep, 8), vec![(EPOLLIN, 1), (EPOLLIN, 2)]);
    // MOD re-arms the one-shot registration (and changes its cookie).
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_MOD, r3, EPOLLIN | EPOLLONESHOT, 33),
        0
    );
    assert_eq!(wait(&e, ep, 8), vec![(EPOLLIN, 1), (EPOLLIN, 33)]);
    // Reading the level-triggered pipe empty silences it.
    assert_eq!(e.sys(SYS_READ, &[r, buf, 16]), 1);
    assert!(wait(&e, ep, 8).is_empty());
    // The writer closing is a hang-up, reported whether asked for or not.
    assert_eq!(e.sys(SYS_CLOSE, &[w]), 0);
    assert_eq!(wait(&e, ep, 8), vec![(EPOLLHUP, 1)]);
    // DEL, and errors: ENOENT, EEXIST, EBADF, EINVAL (epfd itself, not an epoll, bad op).
    assert_eq!(ctl(&e, ep, EPOLL_CTL_DEL, r, 0, 0), 0);
    assert_eq!(ctl(&e, ep, EPOLL_CTL_DEL, r, 0, 0), Errno::ENOENT.as_ret());
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_MOD, r, EPOLLIN, 0),
        Errno::ENOENT.as_ret()
    );
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_ADD, r2, EPOLLIN, 0),
        Errno::EEXIST.as_ret()
    );
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_ADD, 99, EPOLLIN, 0),
        Errno::EBADF.as_ret()
    );
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        ctl(&e, r, EPOLL_CTL_ADD, r2, EPOLLIN, 0),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(ctl(&e, ep, 7, r, EPOLLIN, 0), Errno::EINVAL.as_ret());
    // EPOLLEXCLUSIVE: not with MOD, not with EPOLLONESHOT.
    assert_eq!(
        ctl(
            &e,
            ep,
            EPOLL_CTL_ADD,
            r,
            EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT,
            0
        ),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLEXCLUSIVE, 0),
        0
    );
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_MOD, r, EPOLLIN | EPOLLEXCLUSIVE, 0),
        Errno::EINVAL.as_ret()
    );
    // epoll_wait argument checks.
    let out = e.m.alloc(12);
    assert_eq!(
        e.sys(SYS_EPOLL_WAIT, &[ep, out, 0, 0]),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(
        e.sys(SYS_EPOLL_WAIT, &[r, out, 1, 0]),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(e.sys(SYS_EPOLL_CREATE, &[0]), Errno::EINVAL.as_ret());
    assert_eq!(e.sys(SYS_EPOLL_CREATE1, &[1]), Errno::EINVAL.as_ret());
}

#[test]
fn epoll_refuses_regular_files_and_drops_closed_descriptions() {
    let e = TestEnv::new();
    let ep = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let path = e.m.cstr("/tmp/reg");
    let f = e.sys(
        SYS_OPEN,
        &[
            path,
            (osprey_abi::fcntl::O_CREAT | osprey_abi::fcntl::O_RDWR) as u64,
            0o644,
        ],
    ) as u64;
    assert_eq!(
        ctl(&e, ep, EPOLL_CTL_ADD, f, EPOLLIN, 0),
        Errno::EPERM.as_ret()
    );
    // A registration goes with the last descriptor of its description, not with one fd.
    let ev = e.sys(SYS_EVENTFD2, &[1, EFD_NONBLOCK as u64]) as u64;
    let dup = e.sys(SYS_DUP, &[ev]) as u64;
    assert_eq!(ctl(&e, ep, EPOLL_CTL_ADD, ev, EPOLLIN, 7), 0);
    assert_eq!(e.sys(SYS_CLOSE, &[ev]), 0);
    assert_eq!(wait(&e, ep, 4), vec![(EPOLLIN, 7)]);
    assert_eq!(e.sys(SYS_CLOSE, &[dup]), 0);
    assert!(wait(&e, ep, 4).is_empty());
    // The fd number can be registered again for a new file.
    let ev2 = e.sys(SYS_EVENTFD2, &[1, EFD_NONBLOCK as u64]) as u64;
    assert_eq!(ev2, ev);
    assert_eq!(ctl(&e, ep, EPOLL_CTL_ADD, ev2, EPOLLIN | EPOLLOUT, 8), 0);
    assert_eq!(wait(&e, ep, 4), vec![(EPOLLIN | EPOLLOUT, 8)]);
}

#[test]
fn epoll_nests_refuses_loops_and_rotates() {
    let e = TestEnv::new();
    let outer = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let inner = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let ev = e.sys(SYS_EVENTFD2, &[0, EFD_NONBLOCK as u64]) as u64;
    assert_eq!(ctl(&e, inner, EPOLL_CTL_ADD, ev, EPOLLIN, 1), 0);
    assert_eq!(ctl(&e, outer, EPOLL_CTL_ADD, inner, EPOLLIN, 2), 0);
    // A loop, directly or through a duplicate of the instance: ELOOP.
    assert_eq!(
        ctl(&e, inner, EPOLL_CTL_ADD, outer, EPOLLIN, 0),
        Errno::ELOOP.as_ret()
    );
    let dup = e.sys(SYS_DUP, &[outer]) as u64;
    assert_eq!(
        ctl(&e, outer, EPOLL_CTL_ADD, dup, EPOLLIN, 0),
        Errno::ELOOP.as_ret()
    );
    assert!(wait(&e, outer, 4).is_empty());
    let one = e.m.alloc_bytes(&1u64.to_le_bytes());
    assert_eq!(e.sys(SYS_WRITE, &[ev, one, 8]), 8);
    assert_eq!(wait(&e, outer, 4), vec![(EPOLLIN, 2)]);
    assert_eq!(wait(&e, inner, 4), vec![(EPOLLIN, 1)]);
    // Several ready, room for one at a time: each comes in turn.
    let ep = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let fds: Vec<u64> = (0..3)
        .map(|i| {
            let fd = e.sys(SYS_EVENTFD2, &[1, EFD_NONBLOCK as u64]) as u64;
            assert_eq!(ctl(&e, ep, EPOLL_CTL_ADD, fd, EPOLLIN, i), 0);
            fd
        })
        .collect();
    let seen: Vec<u64> = (0..3).map(|_| wait(&e, ep, 1)[0].1).collect();
    assert_eq!(seen, vec![0, 1, 2]);
    assert_eq!(fds.len(), 3);
}

#[test]
fn epoll_pwait2_checks_its_timeout_and_mask() {
    let e = TestEnv::new();
    let ep = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let out = e.m.alloc(12);
    // A zero timespec polls; a bad one is EINVAL; a mask of the wrong size too.
    let ts = e.m.alloc_bytes(&[0u8; 16]);
    assert_eq!(e.sys(SYS_EPOLL_PWAIT2, &[ep, out, 1, ts, 0, 8]), 0);
    let mut bad = [0u8; 16];
    bad[8..].copy_from_slice(&1_000_000_000i64.to_le_bytes());
    let bad = e.m.alloc_bytes(&bad);
    assert_eq!(
        e.sys(SYS_EPOLL_PWAIT2, &[ep, out, 1, bad, 0, 8]),
        Errno::EINVAL.as_ret()
    );
    let mask = e.m.alloc_bytes(&0u64.to_le_bytes());
    assert_eq!(
        e.sys(SYS_EPOLL_PWAIT, &[ep, out, 1, 0, mask, 4]),
        Errno::EINVAL.as_ret()
    );
    assert_eq!(e.sys(SYS_EPOLL_PWAIT, &[ep, out, 1, 0, mask, 8]), 0);
    // An unwritable event array: EFAULT.
    assert_eq!(
        e.sys(SYS_EPOLL_WAIT, &[ep, 0, 1, 0]),
        Errno::EFAULT.as_ret()
    );
}

#[test]
fn epoll_chains_grown_from_below_stay_bounded() {
    // Each new instance goes under the deepest one: the loop check allows it (it looks below
    // the target only), and polling the top stays bounded instead of recursing 100 deep.
    let e = TestEnv::new();
    let top = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let mut bottom = top;
    for _ in 0..100 {
        let next = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
        assert_eq!(ctl(&e, bottom, EPOLL_CTL_ADD, next, EPOLLIN, next), 0);
        bottom = next;
    }
    let ev = e.sys(SYS_EVENTFD2, &[1, EFD_NONBLOCK as u64]) as u64;
    assert_eq!(ctl(&e, bottom, EPOLL_CTL_ADD, ev, EPOLLIN, 0), 0);
    assert_eq!(wait(&e, bottom, 4), vec![(EPOLLIN, 0)]);
    // Too deep to see from the top: not ready (rather than a kernel stack overflow).
    assert!(wait(&e, top, 4).is_empty());
}

#[test]
fn closing_registered_files_without_del_leaves_nothing_behind() {
    use osprey_abi::socket::{AF_UNIX, SOCK_NONBLOCK, SOCK_STREAM};
    let e = TestEnv::new();
    let ep = e.sys(SYS_EPOLL_CREATE1, &[0]) as u64;
    let regs = || {
        let f = e.p.files.get(ep as i32).unwrap();
        let n = super::epoll::as_epoll(&f)
            .unwrap()
            .interest
            .lock()
            .regs
            .len();
        n
    };
    let sv = e.m.alloc(8);
    for round in 0..3 {
        let mut fds = Vec::new();
        for i in 0..50u64 {
            let ty = (SOCK_STREAM | SOCK_NONBLOCK) as u64;
            assert_eq!(e.sys(SYS_SOCKETPAIR, &[AF_UNIX as u64, ty, 0, sv]), 0);
            let (a, b) = (e.m.peek_i32(sv) as u64, e.m.peek_i32(sv + 4) as u64);
            assert_eq!(ctl(&e, ep, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLET, i), 0);
            fds.extend([a, b]);
        }
        assert_eq!(regs(), 50, "round {round}");
        for fd in fds {
            assert_eq!(e.sys(SYS_CLOSE, &[fd]), 0);
        }
        // The sockets' last changes queued their registrations; one scan drops them all.
        assert!(wait(&e, ep, 64).is_empty());
        assert_eq!(regs(), 0, "round {round}");
    }
}
