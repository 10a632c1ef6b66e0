//! ChaCha20 (RFC 8439) as a fast-key-erasure CSPRNG: the kernel's source for getrandom,
//! /dev/urandom and AT_RANDOM (the kernel seeds it from RDRAND, the TSC and the host).
//!
//! Written here rather than taken from `rand_chacha`: under TCG every distinct guest
//! instruction executed costs about 2 us of translation the first time, and rand_chacha's
//! unrolled block function alone was 1,600 instructions on the boot path (about 3 ms, see
//! BENCHMARKS.md). This loop-based block function is a few dozen. It lives in this crate, not
//! the kernel's, so that it is tested on the host against the RFC's vector.

pub struct ChaCha {
    key: [u32; 8],
    counter: u64,
}

const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// The ChaCha20 block function: 64 bytes of key stream for (key, counter, nonce).
pub fn block(key: &[u32; 8], counter: u32, nonce: [u32; 3]) -> [u8; 64] {
    let mut init = [0u32; 16];
    init[..4].copy_from_slice(&SIGMA);
    init[4..12].copy_from_slice(key);
    init[12] = counter;
    init[13..].copy_from_slice(&nonce);
    let mut s = init;
    for _ in 0..10 {
        quarter(&mut s, 0, 4, 8, 12);
        quarter(&mut s, 1, 5, 9, 13);
        quarter(&mut s, 2, 6, 10, 14);
        quarter(&mut s, 3, 7, 11, 15);
        quarter(&mut s, 0, 5, 10, 15);
        quarter(&mut s, 1, 6, 11, 12);
        quarter(&mut s, 2, 7, 8, 13);
        quarter(&mut s, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for i in 0..16 {
        out[i * 4..i * 4 + 4].copy_from_slice(&s[i].wrapping_add(init[i]).to_le_bytes());
    }
    out
}

impl ChaCha {
    pub fn new(seed: &[u8; 32]) -> ChaCha {
        let mut key = [0u32; 8];
        for (k, c) in key.iter_mut().zip(seed.chunks_exact(4)) {
            *k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        ChaCha { key, counter: 0 }
    }

    fn next_block(&mut self) -> [u8; 64] {
        let c = self.counter;
        self.counter += 1;
        block(&self.key, c as u32, [(c >> 32) as u32, 0, 0])
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(64) {
            let b = self.next_block();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        // Fast key erasure: the next key comes from the stream, the old one is gone.
        let b = self.next_block();
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&b[..32]);
        *self = ChaCha::new(&seed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8439_block_vector() {
        // RFC 8439 2.3.2: key 00..1f, counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00
        // (checked against `openssl enc -chacha20`).
        let key: [u32; 8] = core::array::from_fn(|i| {
            let b = 4 * i as u8;
            u32::from_le_bytes([b, b + 1, b + 2, b + 3])
        });
        let out = block(&key, 1, [0x0900_0000, 0x4a00_0000, 0]);
        let want = "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e\
d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e";
        let hex: alloc::string::String = out.iter().map(|b| alloc::format!("{b:02x}")).collect();
        assert_eq!(hex, want);
    }

    #[test]
    fn stream_changes_and_keys_are_erased() {
        let mut r = ChaCha::new(&[7; 32]);
        let mut a = [0u8; 100];
        let mut b = [0u8; 100];
        r.fill(&mut a);
        r.fill(&mut b);
        assert_ne!(a, b);
        assert_ne!(r.key, ChaCha::new(&[7; 32]).key);
        let mut again = ChaCha::new(&[7; 32]);
        let mut a2 = [0u8; 100];
        again.fill(&mut a2);
        assert_eq!(a, a2);
    }
}
