//! The error type of the loader: an errno for the syscall plus a reason for humans.

use core::fmt;
use osprey_abi::Errno;

/// Why an ELF file cannot be loaded. `errno` is what `execve` would return (almost always
/// `ENOEXEC`); `reason` is a short English sentence for the boot log / CLI message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElfError {
    pub errno: Errno,
    pub reason: &'static str,
}

impl ElfError {
    pub(crate) const fn noexec(reason: &'static str) -> Self {
        ElfError {
            errno: Errno::ENOEXEC,
            reason,
        }
    }
}

impl From<ElfError> for Errno {
    fn from(e: ElfError) -> Errno {
        e.errno
    }
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.errno.name())
    }
}
