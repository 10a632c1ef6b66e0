//! The sampling profiler's report (`osprey run --profile`): what the kernel sends at shutdown
//! in [`crate::frame::Tag::Profile`] frames (the bytes of all of them, in order, form one
//! [`ProfileReport`]), for the host to symbolize and print.
//!
//! The kernel only counts instruction addresses; it names the ELF object that holds each app
//! address (the host has the files and their symbol tables, as for a crash report).

use alloc::vec::Vec;

/// Where a sampled address lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A CPU with nothing to run (polling for work or halted).
    Idle,
    /// Kernel code (symbolize against the kernel ELF).
    Kernel,
    /// App code in module `n` of [`ProfileReport::modules`].
    Module(u16),
    /// App code in no mapped file (JIT code, or a wild jump).
    Anon,
}

impl Place {
    fn encode(self) -> u16 {
        match self {
            Place::Idle => 0xffff,
            Place::Kernel => 0xfffe,
            Place::Anon => 0xfffd,
            Place::Module(n) => n,
        }
    }

    fn decode(v: u16) -> Place {
        match v {
            0xffff => Place::Idle,
            0xfffe => Place::Kernel,
            0xfffd => Place::Anon,
            n => Place::Module(n),
        }
    }
}

/// Most modules a report names (the rest count as [`Place::Anon`]).
pub const MAX_MODULES: usize = 0xfff0;

/// Samples, counted per distinct address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileReport {
    /// The sampling rate per CPU.
    pub hz: u32,
    /// Samples the kernel could not keep (its buffer was full).
    pub dropped: u64,
    /// Samples not kept because the timer interrupt came more than a period late (their
    /// address says where interrupts were turned back on, not where the time went).
    pub late: u64,
    /// App objects: (load bias, guest path).
    pub modules: Vec<(u64, Vec<u8>)>,
    /// (address, where, samples at that address).
    pub samples: Vec<(u64, Place, u32)>,
}

impl ProfileReport {
    /// The samples kept.
    pub fn total(&self) -> u64 {
        self.samples.iter().map(|s| s.2 as u64).sum::<u64>()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&self.hz.to_le_bytes());
        v.extend_from_slice(&self.dropped.to_le_bytes());
        v.extend_from_slice(&self.late.to_le_bytes());
        v.extend_from_slice(&(self.modules.len() as u32).to_le_bytes());
        for (bias, path) in &self.modules {
            v.extend_from_slice(&bias.to_le_bytes());
            v.extend_from_slice(&(path.len() as u32).to_le_bytes());
            v.extend_from_slice(path);
        }
        v.extend_from_slice(&(self.samples.len() as u32).to_le_bytes());
        for (addr, place, n) in &self.samples {
            v.extend_from_slice(&addr.to_le_bytes());
            v.extend_from_slice(&place.encode().to_le_bytes());
            v.extend_from_slice(&n.to_le_bytes());
        }
        v
    }

    /// None when `b` is not a whole report (a VM that died while sending it).
    pub fn decode(b: &[u8]) -> Option<ProfileReport> {
        let mut r = Reader(b);
        let hz = r.u32()?;
        let dropped = r.u64()?;
        let late = r.u64()?;
        let nmod = r.u32()? as usize;
        let mut modules = Vec::new();
        for _ in 0..nmod {
            let bias = r.u64()?;
            let len = r.u32()? as usize;
            modules.push((bias, r.bytes(len)?.to_vec()));
        }
        let n = r.u32()? as usize;
        let mut samples = Vec::new();
        for _ in 0..n {
            let addr = r.u64()?;
            let place = Place::decode(r.u16()?);
            samples.push((addr, place, r.u32()?));
        }
        r.0.is_empty().then_some(ProfileReport {
            hz,
            dropped,
            late,
            modules,
            samples,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.bytes(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let r = ProfileReport {
            hz: 1000,
            dropped: 3,
            late: 4,
            modules: vec![
                (0x7f00_0000_0000, b"/usr/lib/libc.so.6".to_vec()),
                (0, b"/app".to_vec()),
            ],
            samples: vec![
                (0, Place::Idle, 40),
                (0xffff_ffff_8010_0000, Place::Kernel, 7),
                (0x7f00_0001_2345, Place::Module(0), 5),
                (0x40_1000, Place::Module(1), 2),
                (0x1234_5678, Place::Anon, 1),
            ],
        };
        let b = r.encode();
        assert_eq!(ProfileReport::decode(&b), Some(r.clone()));
        assert_eq!(r.total(), 55);
        // A report cut short (or with extra bytes) is refused, not misread.
        assert_eq!(ProfileReport::decode(&b[..b.len() - 1]), None);
        let mut longer = b.clone();
        longer.push(0);
        assert_eq!(ProfileReport::decode(&longer), None);
    }
}
