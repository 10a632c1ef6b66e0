//! The app's standard input: Stdin frames from the host, decoded from COM1 as they arrive.
//! The UART is polled (no interrupt yet): a read with nothing buffered waits in short halts
//! (200 us) and polls again, so an idle reader costs little host CPU.

use alloc::collections::VecDeque;

use osprey_abi::Errno;
use osprey_proto::frame::{Decoder, InTag};
use spin::Mutex;

struct Input {
    decoder: Decoder,
    data: VecDeque<u8>,
    eof: bool,
}

static INPUT: Mutex<Option<Input>> = Mutex::new(None);

fn pump(inp: &mut Input) {
    let mut got = false;
    while let Some(b) = osprey_hal::dev::serial::try_read_byte() {
        inp.decoder.push(&[b]);
        got = true;
    }
    if !got {
        return;
    }
    while let Some((tag, payload)) = inp.decoder.next_frame() {
        match InTag::from_u8(tag) {
            Some(InTag::Stdin) => inp.data.extend(payload),
            Some(InTag::StdinEof) => inp.eof = true,
            None => log::warn!("unknown frame {tag} from the host"),
        }
    }
}

fn with<R>(f: impl FnOnce(&mut Input) -> R) -> R {
    let mut g = INPUT.lock();
    let inp = g.get_or_insert_with(|| Input {
        decoder: Decoder::new(),
        data: VecDeque::new(),
        eof: false,
    });
    pump(inp);
    f(inp)
}

pub fn read(buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
    loop {
        let r = with(|inp| {
            if !inp.data.is_empty() {
                let n = buf.len().min(inp.data.len());
                for (i, b) in inp.data.drain(..n).enumerate() {
                    buf[i] = b;
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
