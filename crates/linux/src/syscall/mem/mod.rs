//! Memory system calls: thin shells over osprey-mm, which holds the Linux semantics. Each
//! takes the memory lock for the bookkeeping and the page-table changes together, and never
//! touches app memory while holding it.

pub mod brk;
pub mod madvise;
pub mod mlock;
pub mod mmap;
pub mod mprotect;
pub mod mremap;
pub mod msync;

#[cfg(test)]
mod tests;
