//! getrandom(2) flags.

/// Fail with EAGAIN instead of blocking while the pool is uninitialised.
pub const GRND_NONBLOCK: u32 = 0x0001;
/// Draw from the (historical) blocking pool.
pub const GRND_RANDOM: u32 = 0x0002;
/// Never block, even before the pool is seeded.
pub const GRND_INSECURE: u32 = 0x0004;
