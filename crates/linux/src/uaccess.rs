//! Typed access to app memory. Nothing here dereferences an app pointer: every access is a
//! copy through the [`Machine`], which checks the range and turns a fault into EFAULT. No
//! reference into app memory ever exists, so the app cannot change data under the kernel's
//! feet between a check and a use.

use alloc::vec::Vec;
use core::marker::PhantomData;

use osprey_abi::{Errno, FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::machine::Machine;

/// Longest path the kernel accepts, NUL included (PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// An app pointer to a `T`.
pub struct UserPtr<T> {
    addr: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> core::fmt::Debug for UserPtr<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}", self.addr)
    }
}

impl<T> UserPtr<T> {
    pub const fn new(addr: u64) -> Self {
        UserPtr {
            addr,
            _t: PhantomData,
        }
    }
    pub fn addr(&self) -> u64 {
        self.addr
    }
    pub fn is_null(&self) -> bool {
        self.addr == 0
    }
    /// The pointer to the `n`th `T` after this one. EFAULT on overflow.
    pub fn offset(&self, n: usize) -> Result<UserPtr<T>, Errno> {
        let bytes = (n as u64)
            .checked_mul(core::mem::size_of::<T>() as u64)
            .ok_or(Errno::EFAULT)?;
        Ok(UserPtr::new(
            self.addr.checked_add(bytes).ok_or(Errno::EFAULT)?,
        ))
    }
    /// None for NULL: for optional arguments.
    pub fn nullable(self) -> Option<Self> {
        (!self.is_null()).then_some(self)
    }
}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout> UserPtr<T> {
    pub fn read(&self, m: &dyn Machine) -> Result<T, Errno> {
        let mut v = T::new_zeroed();
        m.copy_from_user(self.addr, v.as_mut_bytes())?;
        Ok(v)
    }
    pub fn write(&self, m: &dyn Machine, v: &T) -> Result<(), Errno> {
        m.copy_to_user(self.addr, v.as_bytes())
    }
}

/// Reads a NUL-terminated string of at most `max` bytes (NUL included) from app memory.
/// ENAMETOOLONG if no NUL comes within `max` bytes; EFAULT if memory runs out first.
/// Copies in chunks that never cross a page, so a string that ends just before an unmapped
/// page is read correctly.
pub fn read_cstr(m: &dyn Machine, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut a = addr;
    let mut chunk = [0u8; 256];
    while out.len() < max {
        let to_page_end = 4096 - (a % 4096) as usize;
        let n = to_page_end.min(chunk.len()).min(max - out.len());
        m.copy_from_user(a, &mut chunk[..n])?;
        if let Some(z) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..z]);
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
        a = a.checked_add(n as u64).ok_or(Errno::EFAULT)?;
    }
    Err(Errno::ENAMETOOLONG)
}

/// Reads a path argument (PATH_MAX, ENOENT for an empty path is the caller's decision).
pub fn read_path(m: &dyn Machine, addr: u64) -> Result<Vec<u8>, Errno> {
    if addr == 0 {
        return Err(Errno::EFAULT);
    }
    read_cstr(m, addr, PATH_MAX)
}

/// Reads a NULL-terminated array of string pointers (argv/envp style), at most `max` entries.
pub fn read_ptr_array(m: &dyn Machine, addr: u64, max: usize) -> Result<Vec<u64>, Errno> {
    let mut v = Vec::new();
    if addr == 0 {
        return Ok(v);
    }
    loop {
        let p = UserPtr::<u64>::new(addr).offset(v.len())?.read(m)?;
        if p == 0 {
            return Ok(v);
        }
        if v.len() >= max {
            return Err(Errno::E2BIG);
        }
        v.push(p);
    }
}
