//! The PVH `hvm_start_info` block, read once at boot through the direct map with the `pvh`
//! crate's reader.

use core::alloc::Layout;

use pvh::start_info::reader::{MemMap, StartInfoReader};
use pvh::start_info::MemmapType;

use crate::mm::{phys_to_virt, PhysAddr};

const MAX_REGIONS: usize = 64;

/// A range of physical RAM, `[start, end)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryRegion {
    pub start: u64,
    pub end: u64,
}

pub(super) struct StartInfo {
    pub memory: &'static [MemoryRegion],
    pub initrd: &'static [u8],
    pub initrd_phys: MemoryRegion,
    pub cmdline: &'static str,
    pub rsdp: u64,
    pub start_info_phys: MemoryRegion,
}

impl StartInfo {
    /// Physical ranges the frame allocator must not hand out (besides the kernel image and the
    /// first MiB, which it always keeps).
    pub fn reserved(&self) -> [MemoryRegion; 2] {
        [self.initrd_phys, self.start_info_phys]
    }
}

/// Physical addresses below 4 GiB through the boot direct map.
struct DirectMap;

impl MemMap for DirectMap {
    fn ptr(&self, paddr: usize, layout: Layout) -> *const u8 {
        if (paddr as u64).saturating_add(layout.size() as u64) > 4 << 30 {
            return core::ptr::null();
        }
        phys_to_virt(PhysAddr(paddr as u64))
    }
}

static REGIONS: spin::Once<([MemoryRegion; MAX_REGIONS], usize)> = spin::Once::new();

pub(super) fn parse(si: u64) -> StartInfo {
    // SAFETY: the PVH loader passed `si` in ebx; it and everything it points to lie in guest RAM
    // below 4 GiB, which the boot page tables map in the direct map for the kernel's lifetime,
    // and nothing writes it: the frame allocator reserves the start info and the module.
    let reader = unsafe { StartInfoReader::from_paddr(si as u32, DirectMap) }
        .expect("the PVH start info is missing or has a bad magic number");
    let raw = reader.raw();
    assert!(
        raw.version >= 1,
        "PVH start info version {} has no memory map",
        raw.version
    );

    let (regions, n) = REGIONS.call_once(|| {
        let mut r = [MemoryRegion::default(); MAX_REGIONS];
        let mut n = 0;
        for e in reader.memmap() {
            if e.ty() == MemmapType::Ram && e.size > 0 && n < MAX_REGIONS {
                r[n] = MemoryRegion {
                    start: e.addr,
                    end: e.addr + e.size,
                };
                n += 1;
            }
        }
        (r, n)
    });

    let (initrd, initrd_phys) = match reader.modlist().next() {
        Some(m) => {
            let e = m.raw();
            (
                m.as_slice(),
                MemoryRegion {
                    start: e.paddr,
                    end: e.paddr + e.size,
                },
            )
        }
        None => (&[][..], MemoryRegion::default()),
    };
    let cmdline = reader.cmdline().and_then(|c| c.to_str().ok()).unwrap_or("");

    StartInfo {
        memory: &regions[..*n],
        initrd,
        initrd_phys,
        cmdline,
        rsdp: raw.rsdp_paddr,
        start_info_phys: MemoryRegion {
            start: si,
            end: si + 56,
        },
    }
}
