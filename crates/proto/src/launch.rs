//! The launch record: what to run and how.
//!
//! Binary, little-endian, versioned:
//!
//! ```text
//! magic    8 bytes  "OSPRLNCH"
//! version  u32      (VERSION)
//! flags    u32      (Flags bits)
//! realtime u64      host wall clock at launch, ns since the Unix epoch
//! seed     32 bytes random seed for the guest's CSPRNG
//! exe      bytes    guest path of the program to run (absolute)
//! cwd      bytes    guest working directory (absolute)
//! argv     list     u32 count, then that many `bytes`
//! envp     list     u32 count, then that many `bytes`
//! ```
//! where `bytes` is a u32 length followed by that many bytes (no terminating NUL).

use alloc::vec::Vec;

pub const MAGIC: &[u8; 8] = b"OSPRLNCH";
pub const VERSION: u32 = 1;

/// Bits of [`Launch::flags`].
pub mod flags {
    /// Print every system call (`--strace`).
    pub const STRACE: u32 = 1 << 0;
    /// Send the kernel log to the host's stderr (`--verbose`).
    pub const VERBOSE: u32 = 1 << 1;
    /// Report boot milestones (`--bootchart`).
    pub const BOOTCHART: u32 = 1 << 2;
    /// The host's stdin is a terminal (so `isatty(0)` is true in the guest).
    pub const STDIN_TTY: u32 = 1 << 3;
    /// The host's stdout is a terminal.
    pub const STDOUT_TTY: u32 = 1 << 4;
    /// The host's stderr is a terminal.
    pub const STDERR_TTY: u32 = 1 << 5;
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Launch {
    pub flags: u32,
    pub realtime_ns: u64,
    pub seed: [u8; 32],
    pub exe: Vec<u8>,
    pub cwd: Vec<u8>,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
}

/// Why a launch record could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    BadMagic,
    BadVersion(u32),
    Truncated,
}

impl Launch {
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    pub fn encode(&self) -> Vec<u8> {
        fn bytes(v: &mut Vec<u8>, b: &[u8]) {
            v.extend_from_slice(&(b.len() as u32).to_le_bytes());
            v.extend_from_slice(b);
        }
        let mut v = Vec::new();
        v.extend_from_slice(MAGIC);
        v.extend_from_slice(&VERSION.to_le_bytes());
        v.extend_from_slice(&self.flags.to_le_bytes());
        v.extend_from_slice(&self.realtime_ns.to_le_bytes());
        v.extend_from_slice(&self.seed);
        bytes(&mut v, &self.exe);
        bytes(&mut v, &self.cwd);
        for list in [&self.argv, &self.envp] {
            v.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for s in list.iter() {
                bytes(&mut v, s);
            }
        }
        v
    }

    pub fn decode(b: &[u8]) -> Result<Launch, DecodeError> {
        let mut r = Reader { b, pos: 0 };
        if r.take(8)? != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(DecodeError::BadVersion(version));
        }
        let flags = r.u32()?;
        let realtime_ns = r.u64()?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(r.take(32)?);
        let exe = r.bytes()?;
        let cwd = r.bytes()?;
        let argv = r.list()?;
        let envp = r.list()?;
        Ok(Launch {
            flags,
            realtime_ns,
            seed,
            exe,
            cwd,
            argv,
            envp,
        })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let s = self.b.get(self.pos..end).ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    fn list(&mut self) -> Result<Vec<Vec<u8>>, DecodeError> {
        let n = self.u32()? as usize;
        // Each entry needs at least its 4-byte length: refuse counts the data cannot hold.
        if n > (self.b.len() - self.pos) / 4 {
            return Err(DecodeError::Truncated);
        }
        (0..n).map(|_| self.bytes()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let l = Launch {
            flags: flags::STRACE | flags::STDIN_TTY,
            realtime_ns: 1_700_000_000_000_000_000,
            seed: [9; 32],
            exe: b"/prog".to_vec(),
            cwd: b"/".to_vec(),
            argv: vec![b"prog".to_vec(), b"arg 2".to_vec(), vec![0xff, 0]],
            envp: vec![b"KEY=VALUE".to_vec()],
        };
        let d = Launch::decode(&l.encode()).unwrap();
        assert_eq!(d, l);
        assert!(d.has(flags::STRACE) && !d.has(flags::VERBOSE));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(Launch::decode(b"nope"), Err(DecodeError::Truncated));
        assert_eq!(
            Launch::decode(b"XXXXXXXX\x01\0\0\0"),
            Err(DecodeError::BadMagic)
        );
        let mut e = Launch::default().encode();
        e[8] = 2;
        assert_eq!(Launch::decode(&e), Err(DecodeError::BadVersion(2)));
        let e = Launch::default().encode();
        assert_eq!(
            Launch::decode(&e[..e.len() - 1]),
            Err(DecodeError::Truncated)
        );
        // A huge argv count must not allocate or loop forever.
        let mut e = Launch::default().encode();
        let n = e.len();
        e[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(Launch::decode(&e), Err(DecodeError::Truncated));
    }
}
