//! The bounce buffer between app memory and a file's or socket's read or write (read, write,
//! readv, writev, send*, recv*): one per thread, kept and reused.
//!
//! A fresh buffer for each call had to be zeroed first (Rust hands out no uninitialised
//! `&mut [u8]`): redis reads with a 16 KiB buffer, so every request zeroed 16 KiB (and then
//! read ~100 bytes, or nothing: EAGAIN), which under TCG was the kernel's largest single cost
//! for redis after the device exits. The kept buffer holds stale bytes of earlier calls of
//! the same thread; callers only ever copy out what the file wrote into it, and only pass on
//! what they copied in from the app.

use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

use osprey_abi::Errno;
use spin::MutexGuard;

use crate::thread::Thread;

/// The largest buffer a thread keeps: the 64 KiB chunk of read and write (and the common
/// 64 KiB buffers of stream programs). Longer transfers get a fresh one, and an idle thread
/// holds no more than this (only threads that did I/O hold any).
pub const KEEP: usize = 64 * 1024;

/// `len` bytes to read into or write from; see the module's doc for what they hold.
pub struct Bounce<'a> {
    kept: Option<MutexGuard<'a, Vec<u8>>>,
    fresh: Vec<u8>,
    len: usize,
}

/// A buffer of `len` bytes for thread `t`: its kept one when `len` fits in [`KEEP`] and the
/// buffer is not in use further up the same call (a read that writes, say), else a fresh one;
/// ENOMEM (not a kernel panic) when the heap cannot give that.
pub fn bounce(t: &Thread, len: usize) -> Result<Bounce<'_>, Errno> {
    if len <= KEEP {
        if let Some(mut g) = t.bounce.try_lock() {
            if g.len() < len {
                // Grows once per thread, to what its calls need (at most KEEP).
                g.resize(len.next_power_of_two().min(KEEP), 0);
            }
            return Ok(Bounce {
                kept: Some(g),
                fresh: Vec::new(),
                len,
            });
        }
    }
    let mut fresh = Vec::new();
    fresh.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    fresh.resize(len, 0);
    Ok(Bounce {
        kept: None,
        fresh,
        len,
    })
}

impl Deref for Bounce<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.kept {
            Some(g) => &g[..self.len],
            None => &self.fresh,
        }
    }
}

impl DerefMut for Bounce<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.kept {
            Some(g) => &mut g[..self.len],
            None => &mut self.fresh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_reused_nested_fresh_and_long_fresh() {
        let t = Thread::new(7, [0; 16], 0);
        {
            let mut b = bounce(&t, 100).unwrap();
            assert_eq!(b.len(), 100);
            b[..3].copy_from_slice(b"abc");
            // Nested use while the kept one is out: a fresh, zeroed buffer.
            let inner = bounce(&t, 50).unwrap();
            assert_eq!(inner.len(), 50);
            assert!(inner.iter().all(|&x| x == 0));
        }
        // The kept buffer comes back with what the last user left (callers never read
        // beyond what they wrote), grown to a power of two.
        let b = bounce(&t, 10).unwrap();
        assert_eq!(&b[..3], b"abc");
        drop(b);
        assert_eq!(t.bounce.lock().len(), 128);
        // Longer than KEEP: fresh, and the kept one is not grown past KEEP.
        let long = bounce(&t, KEEP + 1).unwrap();
        assert_eq!(long.len(), KEEP + 1);
        drop(long);
        drop(bounce(&t, KEEP).unwrap());
        assert_eq!(t.bounce.lock().len(), KEEP);
        // A length the heap cannot give is ENOMEM.
        assert_eq!(bounce(&t, usize::MAX / 2).err(), Some(Errno::ENOMEM));
    }
}
