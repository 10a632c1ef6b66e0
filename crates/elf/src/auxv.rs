//! Auxiliary-vector tags: the ABI crate's (`osprey_abi::auxv`), re-exported for the loader.

pub use osprey_abi::auxv::*;
