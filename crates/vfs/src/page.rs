//! Pages of file contents. A ramfs file keeps its bytes in page-sized [`FilePage`]s that a
//! MAP_SHARED mapping maps into the app as they are: `write()` and stores through the mapping
//! then meet in the same memory, as in Linux's page cache.
//!
//! Where the pages live is up to the [`PageAllocator`] the file system was made with: the
//! kernel hands out physical frames (which its page tables can map); host tests and the
//! default use [`HeapPages`] (ordinary heap memory, which can be read and written but not
//! mapped).

use alloc::boxed::Box;
use alloc::sync::Arc;
use spin::Mutex;

use crate::inode::AsAny;

/// Bytes in a page.
pub const PAGE_SIZE: usize = 4096;

/// One page of a file's contents, shared by the file and the mappings of it (whence the
/// `Arc`). Offsets and lengths are clamped to the page.
pub trait FilePage: AsAny {
    /// Copies bytes from `offset` into `buf`.
    fn read(&self, offset: usize, buf: &mut [u8]);
    /// Copies `data` to `offset`.
    fn write(&self, offset: usize, data: &[u8]);
    /// Zeroes `[from, to)`.
    fn zero(&self, from: usize, to: usize);
}

/// Hands out zero-filled pages for file contents.
pub trait PageAllocator: Send + Sync {
    /// A new zero-filled page; `None` when memory is exhausted.
    fn alloc_zeroed(&self) -> Option<Arc<dyn FilePage>>;
}

/// Pages in heap memory: readable and writable, but not mappable by page tables.
pub struct HeapPages;

impl PageAllocator for HeapPages {
    fn alloc_zeroed(&self) -> Option<Arc<dyn FilePage>> {
        Some(Arc::new(HeapPage(Mutex::new(Box::new([0; PAGE_SIZE])))))
    }
}

/// A page of [`HeapPages`].
pub struct HeapPage(Mutex<Box<[u8; PAGE_SIZE]>>);

/// `[offset, offset + len)` clamped to a page.
fn span(offset: usize, len: usize) -> core::ops::Range<usize> {
    let start = offset.min(PAGE_SIZE);
    start..start + len.min(PAGE_SIZE - start)
}

impl FilePage for HeapPage {
    fn read(&self, offset: usize, buf: &mut [u8]) {
        let r = span(offset, buf.len());
        let n = r.len();
        buf[..n].copy_from_slice(&self.0.lock()[r]);
    }

    fn write(&self, offset: usize, data: &[u8]) {
        let r = span(offset, data.len());
        let n = r.len();
        self.0.lock()[r].copy_from_slice(&data[..n]);
    }

    fn zero(&self, from: usize, to: usize) {
        if from < to {
            self.0.lock()[span(from, to - from)].fill(0);
        }
    }
}
