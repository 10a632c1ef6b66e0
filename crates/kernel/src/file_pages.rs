//! ramfs file pages in physical frames (the hal's `SharedFrame`), so that a MAP_SHARED mapping
//! can map a file's page itself (`page_table::HalPageTable::map_shared`).

use alloc::sync::Arc;

use osprey_hal::mm::shared_frame::SharedFrame;
use osprey_vfs::{FilePage, PageAllocator};

/// A page of file contents: one reference-counted frame.
pub struct FramePage(pub SharedFrame);

impl FilePage for FramePage {
    fn read(&self, offset: usize, buf: &mut [u8]) {
        self.0.read(offset, buf)
    }
    fn write(&self, offset: usize, data: &[u8]) {
        self.0.write(offset, data)
    }
    fn zero(&self, from: usize, to: usize) {
        self.0.zero(from, to)
    }
}

/// Hands the ramfs frames from the frame allocator.
pub struct FramePages;

impl PageAllocator for FramePages {
    fn alloc_zeroed(&self) -> Option<Arc<dyn FilePage>> {
        Some(Arc::new(FramePage(SharedFrame::alloc_zeroed()?)))
    }
}
