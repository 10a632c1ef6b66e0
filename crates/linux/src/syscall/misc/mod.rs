//! The system as a whole.

pub mod getrandom;
pub mod sysinfo;
pub mod uname;
