//! The kernel osprey boots: built into the binary by build.rs, or taken from `OSPREY_KERNEL`.

use std::borrow::Cow;
use std::fs;

use anyhow::{bail, Context, Result};

/// The `osprey-kernel` ELF, embedded at build time (empty when build.rs could not build it).
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/osprey-kernel.elf"));

/// Why the embedded kernel is missing (empty when it is present).
const PROBLEM: &str = env!("OSPREY_KERNEL_PROBLEM");

/// The kernel ELF to boot. `OSPREY_KERNEL=/path` at run time wins, so kernel developers can try
/// a new kernel without relinking osprey (and tests can boot a stub kernel).
pub fn load() -> Result<Cow<'static, [u8]>> {
    let bytes = match std::env::var_os("OSPREY_KERNEL") {
        Some(path) => {
            let b = fs::read(&path)
                .with_context(|| format!("OSPREY_KERNEL={}", path.to_string_lossy()))?;
            Cow::Owned(b)
        }
        None if EMBEDDED.is_empty() => bail!(
            "this osprey was built without its kernel ({PROBLEM}); fix that and rebuild, or set \
             OSPREY_KERNEL=/path/to/osprey-kernel"
        ),
        None => Cow::Borrowed(EMBEDDED),
    };
    if !bytes.starts_with(b"\x7fELF") {
        bail!("the kernel image is not an ELF file");
    }
    Ok(bytes)
}
