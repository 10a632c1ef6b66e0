//! The kernel log: `log` records become Log frames (shown by `osprey --verbose`; the host keeps
//! the last lines for a post-mortem otherwise).

use core::fmt::Write;

use log::{LevelFilter, Metadata, Record};
use osprey_proto::frame::Tag;

struct FrameLogger;

impl log::Log for FrameLogger {
    fn enabled(&self, m: &Metadata) -> bool {
        // virtio-drivers narrates device set-up at info and debug level: every line is a
        // serial frame (milliseconds under TCG at boot), so only its warnings and errors.
        if m.level() > log::Level::Warn && m.target().starts_with("virtio_drivers") {
            return false;
        }
        m.level() <= log::max_level()
    }

    fn log(&self, r: &Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let mut s = alloc::string::String::with_capacity(80);
        let _ = write!(s, "{:5} {}: {}", r.level(), r.target(), r.args());
        osprey_hal::dev::serial::write_frame(Tag::Log as u8, s.as_bytes());
    }

    fn flush(&self) {}
}

static LOGGER: FrameLogger = FrameLogger;

pub fn init() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Info);
}

pub fn set_verbose(v: bool) {
    log::set_max_level(if v {
        LevelFilter::Debug
    } else {
        LevelFilter::Info
    });
}
