//! The kernel's CSPRNG (osprey_linux::chacha), keyed from RDRAND and the TSC at boot, then
//! re-keyed with the host's 32 random bytes from the launch record.

use osprey_linux::chacha::ChaCha;
use spin::Mutex;

static RNG: Mutex<Option<ChaCha>> = Mutex::new(None);

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
    if let Some(r) = g.as_mut() {
        let mut old = [0u8; 32];
        r.fill(&mut old);
        for (s, o) in seed.iter_mut().zip(old) {
            *s ^= o;
        }
    }
    *g = Some(ChaCha::new(&seed));
}

pub fn fill(buf: &mut [u8]) {
    let mut g = RNG.lock();
    g.get_or_insert_with(|| ChaCha::new(&hw_seed())).fill(buf);
}
