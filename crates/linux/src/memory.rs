//! The process's memory: the VMA bookkeeping (osprey-mm) together with the page tables it
//! drives, behind one lock so that the two never disagree.

use alloc::boxed::Box;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU64, Ordering};

use osprey_mm::{AddressSpace, PageTable};

pub struct Memory {
    pub space: AddressSpace,
    pub pt: Box<dyn PageTable + Send>,
}

impl Memory {
    pub fn new(pt: Box<dyn PageTable + Send>) -> Memory {
        Memory {
            space: AddressSpace::new(),
            pt,
        }
    }

    /// Bytes of app memory backed by frames (VmRSS).
    pub fn resident_bytes(&self) -> u64 {
        self.space.stats().resident_pages * osprey_mm::PAGE_SIZE
    }

    /// Splits the borrow: the address space and the page tables it acts on.
    pub fn parts(&mut self) -> (&mut AddressSpace, &mut (dyn PageTable + Send)) {
        (&mut self.space, &mut *self.pt)
    }
}

/// The memory lock: a sleeping mutex (osprey-sync's hand-off mutex, waiting through the
/// scheduler the kernel installs as `osprey_sync::GlobalPark`). With app threads on several
/// CPUs, a page fault or an mmap that finds it held sleeps until the holder hands it over,
/// instead of spinning for as long as a big munmap takes.
///
/// It also remembers which thread holds it, so that a page fault taken while this very thread
/// holds it (kernel code copying app memory under the lock: the rule is never to) is reported
/// as the bug it is instead of deadlocking.
pub struct MemoryLock {
    inner: osprey_sync::Mutex<Memory, osprey_sync::GlobalPark>,
    /// The holder's thread number (`GlobalPark::current_id`), 0 if unknown or free.
    owner: AtomicU64,
}

/// The memory lock, held.
pub struct MemoryGuard<'a> {
    guard: osprey_sync::MutexGuard<'a, Memory, osprey_sync::GlobalPark>,
    owner: &'a AtomicU64,
}

impl MemoryLock {
    pub fn new(memory: Memory) -> MemoryLock {
        MemoryLock {
            inner: osprey_sync::Mutex::new(memory),
            owner: AtomicU64::new(0),
        }
    }

    /// Takes the lock, sleeping while another thread holds it.
    pub fn lock(&self) -> MemoryGuard<'_> {
        self.held(self.inner.lock())
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<MemoryGuard<'_>> {
        self.inner.try_lock().map(|g| self.held(g))
    }

    fn held<'a>(
        &'a self,
        guard: osprey_sync::MutexGuard<'a, Memory, osprey_sync::GlobalPark>,
    ) -> MemoryGuard<'a> {
        let me = osprey_sync::GlobalPark::current_id().unwrap_or(0);
        self.owner.store(me, Ordering::Relaxed);
        MemoryGuard {
            guard,
            owner: &self.owner,
        }
    }

    /// Whether the calling thread may be the one holding the lock: it does, or threads cannot
    /// be told apart (no scheduler installed, as in single-threaded host tests, or the boot
    /// flow), so a wait could be a wait for itself.
    pub fn maybe_held_by_caller(&self) -> bool {
        match osprey_sync::GlobalPark::current_id() {
            Some(me) => self.owner.load(Ordering::Relaxed) == me,
            None => true,
        }
    }
}

impl Deref for MemoryGuard<'_> {
    type Target = Memory;
    fn deref(&self) -> &Memory {
        &self.guard
    }
}

impl DerefMut for MemoryGuard<'_> {
    fn deref_mut(&mut self) -> &mut Memory {
        &mut self.guard
    }
}

impl Drop for MemoryGuard<'_> {
    fn drop(&mut self) {
        // Before the lock itself is released (the field drops after this).
        self.owner.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::TestEnv;
    use crate::Linux;
    use osprey_mm::Access;

    fn linux(env: &TestEnv) -> Linux {
        Linux { m: env.m, p: env.p }
    }

    #[test]
    fn a_fault_with_the_lock_free_takes_and_releases_it() {
        let env = TestEnv::new();
        // No mapping there: the fault is the app's (SIGSEGV), and the lock is free again.
        assert!(linux(&env).page_fault(0x10_0000, Access::Read).is_err());
        assert!(env.p.mm.try_lock().is_some());
    }

    #[test]
    #[should_panic(expected = "while the memory lock is held (a user copy under it)")]
    fn a_fault_under_the_memory_lock_is_reported_not_waited_for() {
        // The holder faulting on its own lock would wait for itself forever.
        let env = TestEnv::new();
        let _mm = env.p.mm.lock();
        let _ = linux(&env).page_fault(0x10_0000, Access::Read);
    }
}
