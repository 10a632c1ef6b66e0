//! osprey-mm (skeleton; see ARCHITECTURE.md).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
