//! The kernel's CSPRNG: ChaCha20 seeded from RDRAND and the TSC at boot, then reseeded with
//! the host's 32 random bytes from the launch record. It serves getrandom, /dev/urandom and
//! AT_RANDOM.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use spin::Mutex;

static RNG: Mutex<Option<ChaCha20Rng>> = Mutex::new(None);

fn hw_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    for (i, chunk) in seed.chunks_mut(8).enumerate() {
        let v = osprey_hal::cpu::rdrand().unwrap_or(0)
            ^ osprey_hal::time::tsc().rotate_left(i as u32 * 13);
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    seed
}

/// Mixes the host's seed into the generator.
pub fn reseed(host: &[u8; 32]) {
    let mut seed = hw_seed();
    for (s, h) in seed.iter_mut().zip(host) {
        *s ^= h;
    }
    let mut g = RNG.lock();
    let mut old = [0u8; 32];
    if let Some(r) = g.as_mut() {
        r.fill_bytes(&mut old);
    }
    for (s, o) in seed.iter_mut().zip(old) {
        *s ^= o;
    }
    *g = Some(ChaCha20Rng::from_seed(seed));
}

pub fn fill(buf: &mut [u8]) {
    let mut g = RNG.lock();
    g.get_or_insert_with(|| ChaCha20Rng::from_seed(hw_seed()))
        .fill_bytes(buf);
}
