//! The host terminal, when osprey's stdin is one: the app's terminal settings (Termios frames,
//! sent when it calls TCSETS) are mirrored onto it, so a shell's line editor or a full-screen
//! program sees keys as it would on the host (raw mode, no double echo). The original settings
//! come back when osprey exits.

use std::io::IsTerminal;

use nix::sys::termios::{
    self, InputFlags, LocalFlags, OutputFlags, SetArg, SpecialCharacterIndices, Termios,
};

/// The line-discipline bits the app controls; the rest (baud, parity...) stay the host's.
const LOCAL: u32 = 0o1 | 0o2 | 0o10 | 0o20 | 0o40 | 0o100 | 0o1000 | 0o4000 | 0o100000;
const INPUT: u32 = 0o40 | 0o100 | 0o200 | 0o400 | 0o2000;
const OUTPUT: u32 = 0o1 | 0o4;
const VTIME: usize = 5;
const VMIN: usize = 6;

pub struct HostTerminal {
    original: Option<Termios>,
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// The host termios for the guest's `struct termios` bytes (iflag, oflag, cflag, lflag, line,
/// cc[19]), starting from `base`.
fn merged(base: &Termios, guest: &[u8]) -> Option<Termios> {
    if guest.len() < 17 + VMIN + 1 {
        return None;
    }
    let (iflag, oflag, lflag) = (u32_at(guest, 0), u32_at(guest, 4), u32_at(guest, 12));
    let cc = &guest[17..];
    let mut t = base.clone();
    let mix = |host: u32, guest: u32, mask: u32| (host & !mask) | (guest & mask);
    t.input_flags = InputFlags::from_bits_truncate(mix(t.input_flags.bits(), iflag, INPUT) as _);
    t.output_flags =
        OutputFlags::from_bits_truncate(mix(t.output_flags.bits(), oflag, OUTPUT) as _);
    t.local_flags = LocalFlags::from_bits_truncate(mix(t.local_flags.bits(), lflag, LOCAL) as _);
    t.control_chars[SpecialCharacterIndices::VMIN as usize] = cc[VMIN];
    t.control_chars[SpecialCharacterIndices::VTIME as usize] = cc[VTIME];
    Some(t)
}

impl HostTerminal {
    pub fn new() -> HostTerminal {
        let stdin = std::io::stdin();
        let original = if stdin.is_terminal() {
            termios::tcgetattr(&stdin).ok()
        } else {
            None
        };
        HostTerminal { original }
    }

    /// Applies the app's settings (a Termios frame's payload).
    pub fn apply(&self, guest: &[u8]) {
        let Some(base) = &self.original else { return };
        if let Some(t) = merged(base, guest) {
            let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, &t);
        }
    }
}

impl Drop for HostTerminal {
    fn drop(&mut self) {
        if let Some(t) = &self.original {
            let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_mode_from_the_guest_clears_canon_and_echo() {
        // Only meaningful where a terminal exists; build a Termios from /dev/tty if possible.
        let Ok(tty) = std::fs::File::open("/dev/tty") else {
            return;
        };
        let Ok(base) = termios::tcgetattr(&tty) else {
            return;
        };
        let mut guest = vec![0u8; 36];
        // iflag 0, oflag OPOST|ONLCR, cflag 0, lflag ISIG only; VMIN 1, VTIME 0.
        guest[4..8].copy_from_slice(&(0o1u32 | 0o4).to_le_bytes());
        guest[12..16].copy_from_slice(&0o1u32.to_le_bytes());
        guest[17 + VMIN] = 1;
        let t = merged(&base, &guest).unwrap();
        assert!(!t.local_flags.contains(LocalFlags::ICANON));
        assert!(!t.local_flags.contains(LocalFlags::ECHO));
        assert!(t.local_flags.contains(LocalFlags::ISIG));
        assert!(!t.input_flags.contains(InputFlags::ICRNL));
        assert_eq!(t.control_chars[SpecialCharacterIndices::VMIN as usize], 1);
    }
}
