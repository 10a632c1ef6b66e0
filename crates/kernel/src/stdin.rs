//! The app's standard input: Stdin frames from the host, decoded from COM1 as they arrive,
//! and the signals the host forwards (Signal frames: Ctrl-C or SIGTERM to `osprey`).
//!
//! COM1's receive interrupt is routed through the I/O APIC (masked by the hal when it fires);
//! like the network card's, it only leaves a note, and the scheduler's next safe point
//! ([`serve_pending`]) drains the UART, delivers forwarded signals and unmasks the line. At
//! most [`BUFFER_CAP`] bytes of stdin are buffered: past that the line stays masked and the
//! host's writes wait (backpressure) until the app reads. A read with nothing buffered still
//! also looks every 200 us (a halt between looks costs little host CPU).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU16, Ordering};

use osprey_abi::Errno;
use osprey_proto::frame::{Decoder, InTag};
use spin::Mutex;

struct Input {
    decoder: Decoder,
    data: VecDeque<u8>,
    eof: bool,
    /// Forwarded signals not delivered yet (delivered outside the input lock).
    signals: Vec<i32>,
}

static INPUT: Mutex<Option<Input>> = Mutex::new(None);

/// Stdin bytes buffered in the guest before the UART is left to fill (and the host to wait).
const BUFFER_CAP: usize = 256 * 1024;

/// COM1's interrupt vector (0: polled only).
static VECTOR: AtomicU16 = AtomicU16::new(0);
/// COM1 interrupted: drain it at the next safe point.
static PENDING: AtomicBool = AtomicBool::new(false);
/// Its line is masked (it fired and was not unmasked yet).
static MASKED: AtomicBool = AtomicBool::new(false);

/// Routes COM1's receive interrupt (at boot, once the scheduler runs).
pub fn init() {
    if let Some(v) = osprey_hal::dev::serial::enable_receive_interrupt() {
        VECTOR.store(v as u16, Ordering::Relaxed);
    }
}

/// Whether `vector` is COM1's.
pub fn is_irq(vector: u8) -> bool {
    VECTOR.load(Ordering::Relaxed) == vector as u16
}

/// COM1 interrupted (its line is masked now).
pub fn on_interrupt() {
    MASKED.store(true, Ordering::SeqCst);
    PENDING.store(true, Ordering::SeqCst);
}

/// A drain is due (the idle loop does not halt while one is).
pub fn irq_pending() -> bool {
    PENDING.load(Ordering::Relaxed)
}

/// At a safe point: drain the UART if it interrupted, deliver forwarded signals, wake
/// readers, and let the line interrupt again unless the buffer is full.
pub fn serve_pending() {
    if PENDING.swap(false, Ordering::SeqCst) {
        with(|_| ());
    }
}

/// Reads what the UART holds (up to the cap) and decodes it.
fn pump(inp: &mut Input) {
    let mut got = false;
    while inp.data.len() < BUFFER_CAP {
        let Some(b) = osprey_hal::dev::serial::try_read_byte() else {
            break;
        };
        inp.decoder.push(&[b]);
        got = true;
    }
    if got {
        while let Some((tag, payload)) = inp.decoder.next_frame() {
            match InTag::from_u8(tag) {
                Some(InTag::Stdin) => inp.data.extend(payload),
                Some(InTag::StdinEof) => inp.eof = true,
                Some(InTag::Signal) if payload.len() == 4 => inp
                    .signals
                    .push(i32::from_le_bytes(payload.try_into().expect("4 bytes"))),
                _ => log::warn!("unknown frame {tag} from the host"),
            }
        }
        // Readers waiting in poll/select (and blocking reads) look again.
        osprey_linux::iowait::notify();
    }
    if inp.data.len() < BUFFER_CAP && MASKED.swap(false, Ordering::SeqCst) {
        if let Ok(v) = u8::try_from(VECTOR.load(Ordering::Relaxed)) {
            osprey_hal::dev::ioapic::unmask(v);
        }
    }
}

fn with<R>(f: impl FnOnce(&mut Input) -> R) -> R {
    let (r, signals) = {
        let mut g = INPUT.lock();
        let inp = g.get_or_insert_with(|| Input {
            decoder: Decoder::new(),
            data: VecDeque::new(),
            eof: false,
            signals: Vec::new(),
        });
        pump(inp);
        let r = f(inp);
        (r, core::mem::take(&mut inp.signals))
    };
    // Outside the input lock: sending a signal takes the process's locks and may wake threads.
    if !signals.is_empty() {
        crate::net::dump_on_signal();
    }
    if let Some(linux) = crate::traps::LINUX.get() {
        for sig in signals {
            linux.host_signal(sig);
        }
    }
    r
}

pub fn read(buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
    loop {
        let r = with(|inp| {
            if !inp.data.is_empty() {
                let n = buf.len().min(inp.data.len());
                for (i, b) in inp.data.drain(..n).enumerate() {
                    buf[i] = b;
                }
                if MASKED.load(Ordering::Relaxed) {
                    // Room again below the cap: take in what waits and let the line in.
                    pump(inp);
                }
                Some(Ok(n))
            } else if inp.eof || buf.is_empty() {
                Some(Ok(0))
            } else if nonblock {
                Some(Err(Errno::EAGAIN))
            } else {
                None
            }
        });
        if let Some(r) = r {
            return r;
        }
        // A signal for the reading thread ends the wait, as a tty read on Linux
        // (ERESTARTSYS: restarted after an SA_RESTART handler, else EINTR).
        if crate::sched::with_linux_thread(|t| t.is_some_and(|t| t.interrupted())) {
            return Err(Errno::ERESTARTSYS);
        }
        // No UART interrupt yet: look again in 200 us, letting other threads run meanwhile.
        crate::sched::sleep_until(crate::machine::monotonic_ns() + 200_000);
    }
}

pub fn readable() -> bool {
    with(|inp| !inp.data.is_empty() || inp.eof)
}

pub fn pending() -> usize {
    with(|inp| inp.data.len())
}
