//! The kernel heap: `talc`, growing on demand with contiguous runs of frames, so a small VM
//! (`--mem 8M`) spends on the heap only what the kernel really allocates.

use core::alloc::Layout;

use talc::{OomHandler, Span, Talc, Talck};

use super::{frames, phys_to_virt, PAGE_SIZE};

/// Grow by at least this much at a time: fewer, larger arenas.
const MIN_GROWTH: u64 = 256 * 1024;

struct GrowFromFrames;

impl OomHandler for GrowFromFrames {
    fn handle_oom(talc: &mut Talc<Self>, layout: Layout) -> Result<(), ()> {
        // Room for the request plus talc's per-arena and per-chunk overhead.
        let want = (layout.size() + layout.align() + 4096) as u64;
        let mut bytes = want.max(MIN_GROWTH).next_multiple_of(PAGE_SIZE);
        let base = loop {
            if let Some(p) = frames::alloc_contiguous(bytes / PAGE_SIZE) {
                break p;
            }
            // Less RAM left than MIN_GROWTH: try with just what the request needs.
            let need = want.next_multiple_of(PAGE_SIZE);
            if bytes == need {
                return Err(());
            }
            bytes = need;
        };
        let start = phys_to_virt(base);
        // SAFETY: the frames were just taken from the allocator, so this memory is ours alone
        // for good (the heap never gives frames back); it is mapped writable in the direct map.
        unsafe { talc.claim(Span::from_base_size(start, bytes as usize)) }.map(|_| ())
    }
}

#[global_allocator]
static HEAP: Talck<spinning_top::RawSpinlock, GrowFromFrames> = Talc::new(GrowFromFrames).lock();

pub(crate) fn init() {
    // Nothing to claim up front: the first allocation grows the heap.
}
