//! Boot milestones for `--bootchart`: TSC values recorded as boot goes, converted to
//! nanoseconds since the PVH entry and sent to the host when the app exits (so recording
//! costs a `rdtsc`, and the TSC frequency is only needed at the end).

use osprey_proto::frame::Tag;
use spin::Mutex;

const MAX: usize = 24;

struct Marks {
    entry_tsc: u64,
    /// How many of the hal's milestones `init` copied (an AP may add more later).
    hal_copied: usize,
    marks: [(&'static str, u64); MAX],
    n: usize,
}

static MARKS: Mutex<Marks> = Mutex::new(Marks {
    entry_tsc: 0,
    hal_copied: 0,
    marks: [("", 0); MAX],
    n: 0,
});

pub fn init(entry_tsc: u64) {
    let mut m = MARKS.lock();
    m.entry_tsc = entry_tsc;
    let hal = osprey_hal::boot::milestones();
    m.hal_copied = hal.len();
    for (name, t) in hal {
        let n = m.n;
        if n < MAX {
            m.marks[n] = (name, t);
            m.n += 1;
        }
    }
}

pub fn mark(name: &'static str) {
    let t = osprey_hal::time::tsc();
    let mut m = MARKS.lock();
    if m.n < MAX {
        let n = m.n;
        m.marks[n] = (name, t);
        m.n += 1;
    }
}

/// Sends every milestone as a Bootchart frame, in time order (the hal's late ones, such as
/// "all CPUs online" from an AP, merged in).
pub fn report() {
    let m = MARKS.lock();
    let mut all: alloc::vec::Vec<(&str, u64)> = m.marks[..m.n].to_vec();
    all.extend(
        osprey_hal::boot::milestones()
            .into_iter()
            .skip(m.hal_copied),
    );
    all.sort_by_key(|&(_, t)| t);
    for (name, t) in all {
        let ns = osprey_hal::time::tsc_to_ns(t.saturating_sub(m.entry_tsc));
        let mut payload = alloc::vec::Vec::with_capacity(8 + name.len());
        payload.extend_from_slice(&ns.to_le_bytes());
        payload.extend_from_slice(name.as_bytes());
        osprey_hal::dev::serial::write_frame(Tag::Bootchart as u8, &payload);
    }
}
