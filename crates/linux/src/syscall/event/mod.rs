//! Readiness: poll, ppoll, select, pselect6, epoll and eventfd. A blocked call re-checks its
//! descriptors whenever `iowait` says one of them changed (another thread wrote a pipe, an end
//! closed, a socket got data): poll and select through watchers on the files' readiness
//! sources (`iowait::wait_until_files`), epoll through its ready list; files without a source
//! (the console, timerfds) through the app-wide list and its periodic re-check.

pub mod epoll;
pub mod epoll_ctl;
pub mod epoll_wait;
pub mod eventfd;
pub mod poll;
pub mod select;

#[cfg(test)]
mod tests;
