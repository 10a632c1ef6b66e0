//! Readiness: poll, ppoll, select, pselect6, epoll and eventfd. A blocked call re-checks its
//! descriptors whenever `iowait` says something changed (another thread wrote a pipe, an end
//! closed, a socket got data), and every 200 us for the console.

pub mod epoll;
pub mod epoll_ctl;
pub mod epoll_wait;
pub mod eventfd;
pub mod poll;
pub mod select;

#[cfg(test)]
mod tests;

use osprey_abi::Errno;

use super::Ctx;

/// Waits until `ready()` gives Some, the monotonic deadline passes (None: forever) or a
/// signal comes for the thread.
pub fn wait_until<T>(
    cx: &Ctx,
    deadline_ns: Option<u64>,
    ready: impl FnMut() -> Result<Option<T>, Errno>,
) -> Result<Option<T>, Errno> {
    crate::iowait::wait_until(cx, deadline_ns, ready)
}
