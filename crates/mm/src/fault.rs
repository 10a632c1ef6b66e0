//! Page faults and user-pointer checks.

use osprey_abi::Errno;

use crate::flags::*;
use crate::space::AddressSpace;
use crate::vma::{Backing, Perm, Vma};
use crate::PageTable;

/// What the faulting access was (from the x86 error code: W/R bit, I/D bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Exec,
}

/// A fault the memory manager cannot resolve: the signal to deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No VMA at the address: SIGSEGV / SEGV_MAPERR.
    MapErr,
    /// A VMA without the needed permission (PROT_NONE guard pages, writes to read-only
    /// memory, executing data): SIGSEGV / SEGV_ACCERR.
    AccErr,
    /// A file page entirely past the end of the file, or the file could not be read:
    /// SIGBUS / BUS_ADRERR.
    Bus,
    /// No frame left for the page. Linux's OOM killer would SIGKILL the process.
    OutOfMemory,
}

impl Fault {
    /// The signal number to deliver.
    pub fn signo(self) -> i32 {
        match self {
            Fault::MapErr | Fault::AccErr => SIGSEGV,
            Fault::Bus => SIGBUS,
            Fault::OutOfMemory => SIGKILL,
        }
    }

    /// The `si_code` for the siginfo.
    pub fn si_code(self) -> i32 {
        match self {
            Fault::MapErr => SEGV_MAPERR,
            Fault::AccErr => SEGV_ACCERR,
            Fault::Bus => BUS_ADRERR,
            Fault::OutOfMemory => 0,
        }
    }
}

fn allows(vma: &Vma, access: Access) -> bool {
    match access {
        // x86: any present page is readable, so any non-empty permission allows reads.
        Access::Read => !vma.perm.is_empty(),
        Access::Write => vma.perm.contains(Perm::WRITE),
        Access::Exec => vma.perm.contains(Perm::EXEC),
    }
}

impl AddressSpace {
    /// Resolve a page fault at `addr`. `Ok(())` means the page is now mapped with the VMA's
    /// permission (or already was: a stale TLB entry; the caller flushes and retries).
    pub fn handle_fault<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        addr: u64,
        access: Access,
    ) -> Result<(), Fault> {
        let vma = self.find(addr).ok_or(Fault::MapErr)?;
        if !allows(vma, access) {
            return Err(Fault::AccErr);
        }
        let page = page_down(addr);
        if pt.is_mapped(page) {
            return Ok(());
        }
        let perm = vma.perm;
        match &vma.backing {
            Backing::Anonymous => pt.map_zeroed(page, perm).map_err(|_| Fault::OutOfMemory)?,
            Backing::File { file, offset, .. } if vma.shared && file.shares_pages() => {
                // The file's own page: nothing is copied, so the mapping and the file stay
                // one. ENXIO: the page lies past the end of the file; ENOSPC: tmpfs full.
                let off = offset + (page - vma.start);
                let shared = file.shared_page(off).map_err(|e| match e {
                    Errno::ENOMEM => Fault::OutOfMemory,
                    _ => Fault::Bus,
                })?;
                pt.map_shared(page, perm, &shared)
                    .map_err(|_| Fault::OutOfMemory)?;
            }
            Backing::File {
                file,
                offset,
                zero_from,
                ..
            } => {
                let off = offset + (page - vma.start);
                let mut buf = [0u8; PAGE_SIZE as usize];
                let want = zero_from.saturating_sub(off).min(PAGE_SIZE) as usize;
                let mut got = 0;
                while got < want {
                    match file.read_at(off + got as u64, &mut buf[got..want]) {
                        Ok(0) => break,
                        Ok(n) => got += n,
                        Err(_) => return Err(Fault::Bus),
                    }
                }
                if got == 0 && want > 0 {
                    // The page starts at or past the end of the file.
                    return Err(Fault::Bus);
                }
                pt.map_with(page, perm, &buf[..got])
                    .map_err(|_| Fault::OutOfMemory)?;
            }
        }
        self.resident_pages += 1;
        Ok(())
    }

    /// For the syscall layer before it touches user memory: EFAULT unless all of
    /// `[addr, addr + len)` lies in VMAs that allow reading (or writing, if `write`).
    /// Pages need not be mapped yet: the copy's faults are demand-paged by `handle_fault`.
    pub fn check_access(&self, addr: u64, len: u64, write: bool) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).ok_or(Errno::EFAULT)?;
        if end > TASK_SIZE {
            return Err(Errno::EFAULT);
        }
        let access = if write { Access::Write } else { Access::Read };
        if self.covered(addr, end, |v| allows(v, access)) {
            Ok(())
        } else {
            Err(Errno::EFAULT)
        }
    }

    /// Fault in every page of `[addr, addr + len)` for `access` (for a kernel that prefers
    /// not to take faults inside its copy routines). EFAULT on an inaccessible page, ENOMEM
    /// when out of frames.
    pub fn populate<P: PageTable + ?Sized>(
        &mut self,
        pt: &mut P,
        addr: u64,
        len: u64,
        access: Access,
    ) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).ok_or(Errno::EFAULT)?;
        let mut va = page_down(addr);
        while va < end {
            self.handle_fault(pt, va, access).map_err(|f| match f {
                Fault::OutOfMemory => Errno::ENOMEM,
                _ => Errno::EFAULT,
            })?;
            va += PAGE_SIZE;
        }
        Ok(())
    }
}
