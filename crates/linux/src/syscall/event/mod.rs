//! Readiness: poll, ppoll, select, pselect6. (epoll, eventfd and the network's readiness come
//! with issue 5.) With one thread, the only things that become ready while a caller waits are
//! the console's input and time, so a blocked call checks its descriptors each time the
//! machine's idle wait returns (input arrived, or a short timer).

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
    mut ready: impl FnMut() -> Result<Option<T>, Errno>,
) -> Result<Option<T>, Errno> {
    loop {
        if let Some(v) = ready()? {
            return Ok(Some(v));
        }
        let now = cx.m.monotonic_ns();
        if deadline_ns.is_some_and(|d| now >= d) {
            return Ok(None);
        }
        // A signal ends the wait: EINTR after its handler, as Linux's poll and select.
        if cx.t.interrupted() {
            return Err(Errno::ERESTARTNOHAND);
        }
        cx.m.idle(deadline_ns.unwrap_or(u64::MAX));
    }
}
