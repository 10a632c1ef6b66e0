//! Host tests of the signal queues, the mask logic at delivery, and the frame layout.

use osprey_abi::signal::*;
use osprey_abi::sysno::*;
use osprey_abi::{FromBytes, KernelSigaction, SigInfo, Sigcontext, Stack, Ucontext};

use super::frame::{layout, on_stack, USER_CS};
use super::*;
use crate::testing::{TestEnv, FPU_SIZE};

fn info(sig: i32) -> SigInfo {
    SigInfo::from_process(sig, SI_TKILL, 1, 0)
}

#[test]
fn standard_signals_merge_rt_signals_queue_in_order() {
    let mut q = SigQueue::new();
    assert!(q.push(info(SIGUSR1)));
    assert!(
        !q.push(info(SIGUSR1)),
        "a pending standard signal is merged"
    );
    let rt = SIGRTMIN + 1;
    for v in [1, 2, 3] {
        assert!(q.push(info(rt).with_value(v)));
    }
    assert_eq!(q.set, sigmask(SIGUSR1) | sigmask(rt));
    assert_eq!(q.take(sigmask(rt)).unwrap().__rest[0], 1);
    assert_eq!(q.take(!0).unwrap().si_signo, SIGUSR1, "lowest number first");
    assert_eq!(q.take(!0).unwrap().__rest[0], 2);
    assert_eq!(q.take(!0).unwrap().__rest[0], 3);
    assert_eq!(q.set, 0);
    assert!(q.take(!0).is_none());
}

#[test]
fn synchronous_signals_come_first_and_blocked_ones_stay() {
    let mut q = SigQueue::new();
    q.push(info(SIGHUP));
    q.push(SigInfo::fault(SIGSEGV, SEGV_MAPERR, 8));
    q.push(info(SIGTERM));
    assert_eq!(q.next(!0), Some(SIGSEGV));
    assert_eq!(q.next(!sigmask(SIGSEGV)), Some(SIGHUP));
    assert_eq!(q.next(sigmask(SIGTERM)), Some(SIGTERM));
    q.discard(sigmask(SIGHUP) | sigmask(SIGSEGV));
    assert_eq!(q.set, sigmask(SIGTERM));
}

#[test]
fn frame_layout_follows_linux() {
    let act = KernelSigaction {
        sa_handler: 0x40_1000,
        sa_flags: SA_SIGINFO | SA_RESTORER,
        sa_restorer: 0x40_2000,
        sa_mask: 0,
    };
    let none = Stack {
        ss_flags: SS_DISABLE,
        ..Default::default()
    };
    let fp = FPU_SIZE as u64 + 4;
    let sp = 0x7fff_0000_1234;
    let (frame, fpstate) = layout(sp, &none, &act, fp).unwrap();
    assert_eq!(fpstate % 64, 0, "XSAVE needs 64-byte alignment");
    assert!(fpstate + fp <= sp - RED_ZONE, "the red zone is left alone");
    assert_eq!(
        (frame + 8) % 16,
        0,
        "rsp+8 is 16-aligned at the handler, as after a call"
    );
    assert!(frame + core::mem::size_of::<RtSigframe>() as u64 <= fpstate);
    // SA_ONSTACK: to the top of the altstack; nested: below the current sp on it.
    let alt = Stack {
        ss_sp: 0x1000_0000,
        ss_flags: 0,
        __pad0: 0,
        ss_size: 0x4000,
    };
    let onstack = KernelSigaction {
        sa_flags: act.sa_flags | SA_ONSTACK,
        ..act
    };
    let (f1, _) = layout(sp, &alt, &onstack, fp).unwrap();
    assert!(on_stack(&alt, f1) && f1 > 0x1000_0000 + 0x4000 - 0x1000);
    let (f2, _) = layout(f1, &alt, &onstack, fp).unwrap();
    assert!(f2 < f1 - 128 && on_stack(&alt, f2));
    // Without SA_ONSTACK the altstack is not used, unless already on it.
    let (f3, _) = layout(sp, &alt, &act, fp).unwrap();
    assert!(!on_stack(&alt, f3));
    // An altstack too small for the frame: refused (SIGSEGV on Linux).
    let tiny = Stack {
        ss_size: 0x200,
        ..alt
    };
    assert!(layout(sp, &tiny, &onstack, fp).is_none());
}

/// A thread with a handler for `sig` and a stack; returns the env and the handler's action.
fn env_with_handler(sig: i32, flags: u64, mask: u64) -> (TestEnv, KernelSigaction, u64) {
    let env = TestEnv::new();
    let act = KernelSigaction {
        sa_handler: 0x40_1000,
        sa_flags: flags | SA_RESTORER,
        sa_restorer: 0x40_2000,
        sa_mask: mask,
    };
    env.p.signals.lock().actions[sig as usize - 1] = act;
    let stack = env.m.alloc(64 * 1024);
    (env, act, stack + 64 * 1024)
}

#[test]
fn delivery_builds_the_frame_and_sigreturn_restores_everything() {
    let (env, act, top) = env_with_handler(SIGUSR1, SA_SIGINFO, sigmask(SIGUSR2));
    let cx = env.cx();
    env.t.signals.lock().mask = sigmask(SIGHUP);
    send_to_thread(&cx, env.t, SigInfo::from_process(SIGUSR1, SI_TKILL, 1, 0));
    assert!(env.t.interrupted());
    assert_eq!(*env.m.unparked.lock().unwrap(), vec![1]);

    let before = Sigcontext {
        rax: 0x1111,
        rcx: 0x2222,
        r11: 0x3333,
        rbx: 0x4444,
        rsp: top - 256,
        rip: 0x40_5000,
        eflags: 0x246 | 0x400, // ZF, PF, IF, DF
        ..Default::default()
    };
    let mut regs = before;
    assert!(deliver(&cx, &mut regs, None));
    assert_eq!(regs.rip, act.sa_handler);
    assert_eq!(regs.rdi, SIGUSR1 as u64);
    assert_eq!(
        regs.rsi,
        regs.rsp + 8 + core::mem::size_of::<Ucontext>() as u64
    );
    assert_eq!(regs.rdx, regs.rsp + 8);
    assert_eq!(regs.eflags & 0x400, 0, "DF clear in the handler");
    assert!(!env.t.interrupted());
    assert_eq!(
        env.t.signals.lock().mask,
        sigmask(SIGHUP) | sigmask(SIGUSR1) | sigmask(SIGUSR2),
        "mask | sa_mask | the signal"
    );

    // What the handler finds on its stack.
    let mut raw = [0u8; core::mem::size_of::<RtSigframe>()];
    cx.m.copy_from_user(regs.rsp, &mut raw).unwrap();
    let f = RtSigframe::read_from_bytes(&raw).unwrap();
    assert_eq!(f.pretcode, act.sa_restorer);
    assert_eq!(
        f.uc.uc_flags,
        UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
    );
    assert_eq!(f.uc.uc_sigmask, sigmask(SIGHUP));
    assert_eq!(f.uc.uc_mcontext.oldmask, sigmask(SIGHUP));
    assert_eq!(f.uc.uc_mcontext.rcx, 0x2222);
    assert_eq!(f.uc.uc_mcontext.r11, 0x3333);
    assert_eq!(f.uc.uc_mcontext.rip, before.rip);
    assert_eq!(f.uc.uc_mcontext.cs, USER_CS);
    assert_eq!((f.info.si_signo, f.info.si_code), (SIGUSR1, SI_TKILL));
    let fpstate = f.uc.uc_mcontext.fpstate;
    assert_eq!(fpstate % 64, 0);
    let mut sw = [0u8; 48];
    cx.m.copy_from_user(fpstate + FPX_SW_BYTES_OFFSET as u64, &mut sw)
        .unwrap();
    let sw = FpxSwBytes::read_from_bytes(&sw).unwrap();
    assert_eq!(sw.magic1, FP_XSTATE_MAGIC1);
    assert_eq!(sw.xstate_size as usize, FPU_SIZE);
    assert_eq!(sw.extended_size as usize, FPU_SIZE + 4);
    let mut m2 = [0u8; 4];
    cx.m.copy_from_user(fpstate + FPU_SIZE as u64, &mut m2)
        .unwrap();
    assert_eq!(u32::from_le_bytes(m2), FP_XSTATE_MAGIC2);

    // The handler changes rip, rax and a flag in the ucontext, then returns (pretcode popped).
    let uc_at = regs.rsp + 8;
    let mut mc = f.uc.uc_mcontext;
    mc.rip = 0x40_6000;
    mc.rax = 77;
    mc.eflags = (mc.eflags & !0x40) | 0x1; // ZF off, CF on
    mc.eflags |= 0x100; // TF: refused
    let off = core::mem::offset_of!(Ucontext, uc_mcontext) as u64;
    cx.m.copy_to_user(uc_at + off, osprey_abi::IntoBytes::as_bytes(&mc))
        .unwrap();
    env.m.fpu.lock().unwrap()[24] = 0; // the handler changed MXCSR; sigreturn puts it back
    let mut r = regs;
    r.rsp = uc_at;
    frame::sigreturn(&cx, &mut r).unwrap();
    assert_eq!(r.rip, 0x40_6000);
    assert_eq!(r.rax, 77);
    assert_eq!(
        (r.rcx, r.r11, r.rbx, r.rsp),
        (0x2222, 0x3333, 0x4444, before.rsp)
    );
    assert_eq!(r.eflags & 0x41, 0x1, "arithmetic flags from the ucontext");
    assert_eq!(r.eflags & 0x100, 0, "TF is not the app's to set");
    assert_eq!(
        env.t.signals.lock().mask,
        sigmask(SIGHUP),
        "the mask is back"
    );
    assert_eq!(
        env.m.fpu.lock().unwrap()[24],
        0x80,
        "vector state restored (MXCSR 0x1f80)"
    );
}

#[test]
fn restart_rules_around_a_handler() {
    for (flags, ret, want_restart) in [
        (SA_RESTART, Errno::ERESTARTSYS, true),
        (0, Errno::ERESTARTSYS, false),
        (SA_RESTART, Errno::ERESTARTNOHAND, false),
        (SA_RESTART, Errno::ERESTART_RESTARTBLOCK, false),
        (0, Errno::ERESTARTNOINTR, true),
    ] {
        let (env, _, top) = env_with_handler(SIGUSR1, flags, 0);
        let cx = env.cx();
        send_to_thread(&cx, env.t, info(SIGUSR1));
        let mut regs = Sigcontext {
            rsp: top - 64,
            rip: 0x40_5002,
            rax: ret.as_ret() as u64,
            ..Default::default()
        };
        let exit = SyscallExit {
            nr: SYS_READ,
            ret: ret.as_ret(),
        };
        deliver(&cx, &mut regs, Some(exit));
        let mut raw = [0u8; core::mem::size_of::<RtSigframe>()];
        cx.m.copy_from_user(regs.rsp, &mut raw).unwrap();
        let saved = RtSigframe::read_from_bytes(&raw).unwrap().uc.uc_mcontext;
        if want_restart {
            assert_eq!(
                (saved.rip, saved.rax),
                (0x40_5000, SYS_READ as u64),
                "{ret:?}"
            );
        } else {
            assert_eq!(
                (saved.rip, saved.rax as i64),
                (0x40_5002, -4),
                "{ret:?} -> EINTR"
            );
        }
    }
    // No handler runs (nothing pending): every restart code restarts.
    let env = TestEnv::new();
    let mut regs = Sigcontext {
        rip: 0x40_5002,
        ..Default::default()
    };
    let exit = SyscallExit {
        nr: SYS_PAUSE,
        ret: Errno::ERESTARTNOHAND.as_ret(),
    };
    assert!(deliver(&env.cx(), &mut regs, Some(exit)));
    assert_eq!((regs.rip, regs.rax), (0x40_5000, SYS_PAUSE as u64));
}

#[test]
fn blocked_and_ignored_signals() {
    let (env, _, _) = env_with_handler(SIGUSR1, 0, 0);
    let cx = env.cx();
    // Ignored and not blocked: dropped at once.
    env.p.signals.lock().actions[SIGUSR2 as usize - 1].sa_handler = SIG_IGN;
    send_to_thread(&cx, env.t, info(SIGUSR2));
    assert_eq!(env.t.signals.lock().pending.set, 0);
    // Default-ignored (SIGCHLD) likewise.
    send_to_process(&cx, info(SIGCHLD));
    assert_eq!(env.p.signals.lock().pending.set, 0);
    // Blocked: queued, not signalled to the thread.
    env.t.signals.lock().mask = sigmask(SIGUSR1);
    send_to_process(&cx, info(SIGUSR1));
    assert_eq!(env.p.signals.lock().pending.set, sigmask(SIGUSR1));
    assert!(!env.t.interrupted());
    // Unblocking makes it deliverable.
    env.t.signals.lock().mask = 0;
    recalc(env.p, env.t);
    assert!(env.t.interrupted());
    // SA_RESETHAND resets the disposition as the signal is taken.
    env.p.signals.lock().actions[SIGUSR1 as usize - 1].sa_flags |= SA_RESETHAND;
    let (i, act) = dequeue(env.p, env.t).unwrap();
    assert_eq!((i.si_signo, act.sa_handler), (SIGUSR1, 0x40_1000));
    assert_eq!(
        env.p.signals.lock().actions[SIGUSR1 as usize - 1].sa_handler,
        SIG_DFL
    );
}

#[test]
fn syscalls_pending_suspend_and_timedwait() {
    let (env, _, _) = env_with_handler(SIGUSR1, 0, 0);
    let set = env.m.alloc(4096);
    env.m
        .copy_to_user(set, &sigmask(SIGUSR1).to_le_bytes())
        .unwrap();
    assert_eq!(
        env.sys(SYS_RT_SIGPROCMASK, &[SIG_BLOCK as u64, set, 0, 8]),
        0
    );
    assert_eq!(env.sys(SYS_TGKILL, &[1, 1, SIGUSR1 as u64]), 0);
    let out = set + 64;
    assert_eq!(env.sys(SYS_RT_SIGPENDING, &[out, 8]), 0);
    let mut b = [0u8; 8];
    env.m.copy_from_user(out, &mut b).unwrap();
    assert_eq!(u64::from_le_bytes(b), sigmask(SIGUSR1));
    // rt_sigtimedwait takes it (blocked as it is) and reports its siginfo.
    let uinfo = set + 128;
    assert_eq!(
        env.sys(SYS_RT_SIGTIMEDWAIT, &[set, uinfo, 0, 8]),
        SIGUSR1 as isize
    );
    // Nothing left: a zero timeout says EAGAIN.
    let ts = set + 512;
    env.m.copy_to_user(ts, &[0u8; 16]).unwrap();
    assert_eq!(
        env.sys(SYS_RT_SIGTIMEDWAIT, &[set, 0, ts, 8]),
        Errno::EAGAIN.as_ret()
    );
    // rt_sigsuspend with a mask that lets the pending signal through returns at once with
    // the restart code (EINTR after the handler), and keeps the old mask to restore.
    assert_eq!(env.sys(SYS_TGKILL, &[1, 1, SIGUSR1 as u64]), 0);
    env.m.copy_to_user(set, &0u64.to_le_bytes()).unwrap();
    assert_eq!(
        env.sys(SYS_RT_SIGSUSPEND, &[set, 8]),
        Errno::ERESTARTNOHAND.as_ret()
    );
    assert_eq!(env.t.signals.lock().saved_mask, Some(sigmask(SIGUSR1)));
    assert_eq!(env.t.signals.lock().mask, 0);
}

#[test]
fn itimer_real_fires_sigalrm_and_rearms() {
    let env = TestEnv::new();
    let cx = env.cx();
    env.t.signals.lock().mask = sigmask(SIGALRM); // keep it pending, not fatal
    let v = env.m.alloc(4096);
    // it_interval 10 ms, it_value 30 ms.
    let it: [i64; 4] = [0, 10_000, 0, 30_000];
    env.m
        .copy_to_user(v, osprey_abi::IntoBytes::as_bytes(&it))
        .unwrap();
    assert_eq!(env.sys(SYS_SETITIMER, &[0, v, 0]), 0);
    let now = env.m.monotonic_ns();
    assert_eq!(*env.m.alarm.lock().unwrap(), Some(now + 30_000_000));
    env.m.park(Some(now + 35_000_000));
    crate::syscall::time::itimer::fired(&cx);
    assert_eq!(env.p.signals.lock().pending.set, sigmask(SIGALRM));
    assert_eq!(
        *env.m.alarm.lock().unwrap(),
        Some(now + 40_000_000),
        "next period"
    );
    // alarm(0) disarms and reports what was left, rounded up to a second.
    assert_eq!(env.sys(SYS_ALARM, &[0]), 1);
    assert_eq!(*env.m.alarm.lock().unwrap(), None);
    assert_eq!(env.sys(SYS_SETITIMER, &[1, v, 0]), Errno::ENOSYS.as_ret());
    assert_eq!(env.sys(SYS_SETITIMER, &[7, v, 0]), Errno::EINVAL.as_ret());
}

#[test]
fn signalfd_reads_blocked_signals_as_records() {
    use osprey_abi::signal::SignalfdSiginfo;
    let env = TestEnv::new();
    let set = env.m.alloc(4096);
    env.m
        .copy_to_user(set, &sigmask(SIGUSR2).to_le_bytes())
        .unwrap();
    assert_eq!(
        env.sys(SYS_RT_SIGPROCMASK, &[SIG_BLOCK as u64, set, 0, 8]),
        0
    );
    let fd = env.sys(SYS_SIGNALFD4, &[u64::MAX, set, 8, 0o4000]); // SFD_NONBLOCK
    assert!(fd >= 3, "{fd}");
    let buf = set + 1024;
    assert_eq!(
        env.sys(SYS_READ, &[fd as u64, buf, 128]),
        Errno::EAGAIN.as_ret()
    );
    assert_eq!(
        env.sys(SYS_READ, &[fd as u64, buf, 64]),
        Errno::EINVAL.as_ret()
    );
    let f = env.p.files.get(fd as i32).unwrap();
    assert_eq!(f.poll(1), 0);
    assert_eq!(env.sys(SYS_KILL, &[1, SIGUSR2 as u64]), 0);
    assert_eq!(f.poll(1), 1, "POLLIN once a signal of the mask is pending");
    assert_eq!(env.sys(SYS_READ, &[fd as u64, buf, 256]), 128, "one record");
    let mut rec = [0u8; 128];
    env.m.copy_from_user(buf, &mut rec).unwrap();
    let r = SignalfdSiginfo::read_from_bytes(&rec).unwrap();
    assert_eq!(
        (r.ssi_signo, r.ssi_code, r.ssi_pid),
        (SIGUSR2 as u32, SI_USER, 1)
    );
    assert_eq!(env.p.signals.lock().pending.set, 0, "the read took it");
    // A new mask through the same fd; a non-signalfd fd is EINVAL.
    env.m
        .copy_to_user(set, &sigmask(SIGUSR1).to_le_bytes())
        .unwrap();
    assert_eq!(env.sys(SYS_SIGNALFD4, &[fd as u64, set, 8, 0]), fd);
    assert_eq!(
        env.sys(SYS_SIGNALFD4, &[0, set, 8, 0]),
        Errno::EINVAL.as_ret()
    );
}
