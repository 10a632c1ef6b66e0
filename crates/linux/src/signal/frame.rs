//! The rt signal frame, built and taken apart exactly as Linux x86_64 does (arch/x86/kernel/
//! signal.c, signal_64.c, fpu/signal.c), because the JVM, libunwind, glibc's `__restore_rt`
//! and debuggers read and change it:
//!
//! ```text
//!   interrupted rsp
//!   - 128                          red zone, left alone
//!   (or the top of the altstack, for SA_ONSTACK when not already on it)
//!   fpstate: the XSAVE image (+ FP_XSTATE_MAGIC2), 64-byte aligned, FXSAVE's software
//!            bytes saying what it holds
//!   rt_sigframe: pretcode (sa_restorer), ucontext, siginfo; its address is 16n - 8
//! ```
//!
//! The handler starts with rdi = signal, rsi = &siginfo, rdx = &ucontext, rax = 0, rsp = the
//! frame (so its `ret` goes to sa_restorer, which calls rt_sigreturn), DF, TF and RF clear.

use alloc::vec;

use osprey_abi::signal::*;
use osprey_abi::{Errno, KernelSigaction, Sigcontext, Stack, Ucontext};
use osprey_abi::{FromBytes, IntoBytes};

use crate::syscall::Ctx;

/// The selectors a Linux handler finds in `uc_mcontext` (__USER_CS, __USER_DS). The app runs
/// in ring 0 here, but what it reads should be what it would read on Linux; rt_sigreturn
/// ignores them.
pub const USER_CS: u16 = 0x33;
pub const USER_DS: u16 = 0x2b;

/// RFLAGS bits a handler may change through `uc_mcontext.eflags` (Linux's FIX_EFLAGS minus
/// TF, RF and NT, which a ring-0 app must not control): CF PF AF ZF SF DF OF AC.
pub const USER_EFLAGS: u64 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800 | 0x4_0000;
const FLAG_TF: u64 = 0x100;
const FLAG_DF: u64 = 0x400;
const FLAG_RF: u64 = 0x1_0000;

/// sigaltstack's "sp is on the stack": Linux's on_sig_stack.
pub fn on_stack(st: &Stack, sp: u64) -> bool {
    st.ss_size != 0 && sp > st.ss_sp && sp - st.ss_sp <= st.ss_size
}

/// Where the frame goes: (frame address, fpstate address), or None when it would leave the
/// altstack it is meant to be on (Linux then kills with SIGSEGV).
pub fn layout(sp: u64, alt: &Stack, act: &KernelSigaction, fp_bytes: u64) -> Option<(u64, u64)> {
    let mut sp = sp.wrapping_sub(RED_ZONE);
    let nested = on_stack(alt, sp);
    let mut entering = false;
    if act.sa_flags & SA_ONSTACK != 0 && alt.ss_size != 0 && !nested {
        sp = alt.ss_sp.wrapping_add(alt.ss_size);
        entering = true;
    }
    let fpstate = sp.wrapping_sub(fp_bytes) & !63;
    let frame =
        (fpstate.wrapping_sub(core::mem::size_of::<RtSigframe>() as u64) & !15).wrapping_sub(8);
    if (nested || entering) && !on_stack(alt, frame) {
        return None;
    }
    Some((frame, fpstate))
}

/// The vector state image as it goes on the frame: the machine's XSAVE image with the
/// software bytes and the trailing magic, or a plain FXSAVE image.
fn fpstate_image(cx: &Ctx) -> (alloc::vec::Vec<u8>, bool) {
    let (size, xfeatures) = cx.m.fpu_layout();
    let xsave = xfeatures != 0;
    let mut buf = vec![0u8; size + if xsave { 4 } else { 0 }];
    cx.m.fpu_save(&mut buf[..size]);
    if xsave {
        let sw = FpxSwBytes {
            magic1: FP_XSTATE_MAGIC1,
            extended_size: size as u32 + 4,
            xfeatures,
            xstate_size: size as u32,
            padding: [0; 7],
        };
        buf[FPX_SW_BYTES_OFFSET..FXSAVE_SIZE].copy_from_slice(sw.as_bytes());
        buf[size..].copy_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    }
    (buf, xsave)
}

/// Builds the frame for `info` with handler `act` on the calling thread's stack and points
/// `regs` at the handler. `oldmask` is the mask to restore on rt_sigreturn.
pub fn setup(
    cx: &Ctx,
    regs: &mut Sigcontext,
    info: &SigInfo,
    act: &KernelSigaction,
    oldmask: u64,
) -> Result<(), Errno> {
    // x86_64 has no signal trampoline in the kernel: without SA_RESTORER the handler could
    // not return, and Linux refuses to deliver (SIGSEGV).
    if act.sa_flags & SA_RESTORER == 0 {
        return Err(Errno::EFAULT);
    }
    let (image, xsave) = fpstate_image(cx);
    let alt = cx.t.signals.lock().altstack;
    let (frame_at, fpstate) =
        layout(regs.rsp, &alt, act, image.len() as u64).ok_or(Errno::EFAULT)?;
    cx.m.copy_to_user(fpstate, &image)?;

    let mut mc = *regs;
    mc.cs = USER_CS;
    mc.ss = USER_DS;
    mc.fs = 0;
    mc.gs = 0;
    mc.oldmask = oldmask;
    mc.fpstate = fpstate;
    let frame = RtSigframe {
        pretcode: act.sa_restorer,
        uc: Ucontext {
            uc_flags: UC_SIGCONTEXT_SS
                | UC_STRICT_RESTORE_SS
                | if xsave { UC_FP_XSTATE } else { 0 },
            uc_link: 0,
            uc_stack: alt,
            uc_mcontext: mc,
            uc_sigmask: oldmask,
        },
        // Linux writes the siginfo only for SA_SIGINFO handlers.
        info: if act.sa_flags & SA_SIGINFO != 0 {
            *info
        } else {
            SigInfo::default()
        },
    };
    cx.m.copy_to_user(frame_at, frame.as_bytes())?;
    if alt.ss_flags & SS_AUTODISARM != 0 && on_stack(&alt, frame_at) {
        cx.t.signals.lock().altstack = Stack {
            ss_sp: 0,
            ss_flags: SS_DISABLE,
            __pad0: 0,
            ss_size: 0,
        };
    }

    regs.rdi = info.si_signo as u64;
    // The copy above succeeded, so the frame lies in app memory: no overflow here.
    regs.rsi = frame_at + core::mem::offset_of!(RtSigframe, info) as u64;
    regs.rdx = frame_at + core::mem::offset_of!(RtSigframe, uc) as u64;
    regs.rax = 0;
    regs.rsp = frame_at;
    regs.rip = act.sa_handler;
    regs.eflags &= !(FLAG_DF | FLAG_RF | FLAG_TF);
    Ok(())
}

/// rt_sigreturn: restores the registers, vector state, signal mask and altstack from the
/// frame whose ucontext is at `regs.rsp` (the handler's `ret` popped pretcode), as the handler
/// may have changed them. The result is the restored rax. EFAULT: a bad frame (the caller
/// ends the app with SIGSEGV, as Linux does).
pub fn sigreturn(cx: &Ctx, regs: &mut Sigcontext) -> Result<(), Errno> {
    let mut raw = [0u8; core::mem::size_of::<Ucontext>()];
    cx.m.copy_from_user(regs.rsp, &mut raw)?;
    let uc = Ucontext::read_from_bytes(&raw).map_err(|_| Errno::EFAULT)?;
    let mc = &uc.uc_mcontext;

    restore_fpstate(cx, mc.fpstate)?;

    {
        let mut ts = cx.t.signals.lock();
        ts.mask = uc.uc_sigmask & !UNBLOCKABLE;
        ts.saved_mask = None;
    }
    let eflags = (regs.eflags & !USER_EFLAGS) | (mc.eflags & USER_EFLAGS);
    let (cs, ss) = (regs.cs, regs.ss);
    *regs = Sigcontext {
        eflags,
        cs,
        ss,
        ..*mc
    };
    // Linux's restore_altstack: applied like sigaltstack() unless that would fail (the
    // handler's frame may still be on it), errors ignored.
    let mut ts = cx.t.signals.lock();
    if !on_stack(&ts.altstack, regs.rsp) {
        let s = uc.uc_stack;
        let mode = s.ss_flags & !SS_AUTODISARM;
        if mode == SS_DISABLE {
            ts.altstack = Stack {
                ss_sp: 0,
                ss_flags: SS_DISABLE,
                __pad0: 0,
                ss_size: 0,
            };
        } else if (mode == 0 || mode == SS_ONSTACK) && s.ss_size >= MINSIGSTKSZ as u64 {
            ts.altstack = Stack {
                ss_flags: s.ss_flags & SS_AUTODISARM,
                __pad0: 0,
                ..s
            };
        }
    }
    drop(ts);
    super::recalc(cx.p, cx.t);
    Ok(())
}

/// Loads the vector state from the frame's fpstate: an XSAVE image when its software bytes
/// say so (and the magic after it agrees), else the legacy FXSAVE part only (x87 and SSE,
/// the rest reset), or the reset state when there is none (fpstate = 0), as Linux does.
fn restore_fpstate(cx: &Ctx, at: u64) -> Result<(), Errno> {
    let (size, xfeatures) = cx.m.fpu_layout();
    let mut buf = vec![0u8; size];
    if at == 0 {
        return cx.m.fpu_restore(&buf);
    }
    if !at.is_multiple_of(16) {
        return Err(Errno::EFAULT);
    }
    cx.m.copy_from_user(at, &mut buf[..FXSAVE_SIZE])?;
    let sw = FpxSwBytes::read_from_bytes(&buf[FPX_SW_BYTES_OFFSET..FXSAVE_SIZE])
        .map_err(|_| Errno::EFAULT)?;
    let full = xfeatures != 0
        && sw.magic1 == FP_XSTATE_MAGIC1
        && sw.xstate_size as usize >= FXSAVE_SIZE + 64
        && sw.xstate_size as usize <= size
        && sw.extended_size == sw.xstate_size + 4
        && {
            let mut m2 = [0u8; 4];
            let end = at.checked_add(sw.xstate_size as u64).ok_or(Errno::EFAULT)?;
            cx.m.copy_from_user(end, &mut m2)?;
            u32::from_le_bytes(m2) == FP_XSTATE_MAGIC2
        };
    if full {
        let n = sw.xstate_size as usize;
        cx.m.copy_from_user(at, &mut buf[..n])?;
        // Only the components the frame says it holds (and the machine has).
        let mut bv = u64::from_le_bytes(buf[512..520].try_into().expect("8 bytes"));
        bv &= sw.xfeatures & xfeatures;
        buf[512..520].copy_from_slice(&bv.to_le_bytes());
    } else if xfeatures != 0 {
        // FXSAVE-only image: x87 and SSE from it, everything else reset.
        buf[512..520].copy_from_slice(&3u64.to_le_bytes());
    }
    cx.m.fpu_restore(&buf)
}
