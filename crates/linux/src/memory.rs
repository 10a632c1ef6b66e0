//! The process's memory: the VMA bookkeeping (osprey-mm) together with the page tables it
//! drives, behind one lock so that the two never disagree.

use alloc::boxed::Box;

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
