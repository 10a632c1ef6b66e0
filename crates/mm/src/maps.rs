//! /proc/self/maps in Linux's exact format.

use alloc::string::String;
use core::fmt::Write;

use crate::space::AddressSpace;
use crate::vma::{Backing, Perm, Vma};

/// Linux pads the header to 25 + 6 * sizeof(void *) - 1 = 72 columns, then writes one space
/// before the name (`show_vma_header_prefix` + `seq_pad`).
const NAME_COLUMN: usize = 72;

fn write_vma(out: &mut String, v: &Vma) {
    let line_start = out.len();
    let flag = |p: Perm, c: char| if v.perm.contains(p) { c } else { '-' };
    let (offset, major, minor, ino, name): (u64, u32, u32, u64, Option<&str>) = match &v.backing {
        Backing::File { id, offset, .. } => (
            *offset,
            id.dev_major,
            id.dev_minor,
            id.ino,
            Some(id.path.as_str()),
        ),
        // Linux backs shared anonymous memory with a deleted shmem file on device 00:01.
        Backing::Anonymous if v.shared => (0, 0, 1, 0, Some("/dev/zero (deleted)")),
        Backing::Anonymous => (0, 0, 0, 0, v.name.as_deref()),
    };
    let _ = write!(
        out,
        "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
        v.start,
        v.end,
        flag(Perm::READ, 'r'),
        flag(Perm::WRITE, 'w'),
        flag(Perm::EXEC, 'x'),
        if v.shared { 's' } else { 'p' },
        offset,
        major,
        minor,
        ino,
    );
    if let Some(name) = name {
        let used = out.len() - line_start;
        for _ in used..NAME_COLUMN {
            out.push(' ');
        }
        out.push(' ');
        out.push_str(name);
    }
    out.push('\n');
}

impl AddressSpace {
    /// The text of /proc/self/maps.
    pub fn maps_text(&self) -> String {
        let mut out = String::new();
        for v in self.vmas.values() {
            write_vma(&mut out, v);
        }
        out
    }
}
