//! /sys, the little of it that runtimes read at start: the CPU lists glibc's get_nprocs and
//! sysconf(_SC_NPROCESSORS_*) parse, the transparent-huge-page settings allocators check, and
//! the kernel's page size. Synthetic files, generated when opened.

use alloc::format;
use alloc::sync::Arc;

use osprey_vfs::{Clock, Inode, SynthFs};

use crate::machine::Machine;

pub fn build(m: &'static dyn Machine, clock: Clock) -> Arc<dyn Inode> {
    let fs = SynthFs::new(clock);
    let root = fs.dir(0o555);
    let devices = fs.dir(0o755);
    let system = fs.dir(0o755);
    let cpu = fs.dir(0o755);
    let list = move || {
        let n = m.cpus();
        if n <= 1 {
            b"0\n".to_vec()
        } else {
            format!("0-{}\n", n - 1).into_bytes()
        }
    };
    cpu.insert(b"online", fs.file(0o444, list));
    cpu.insert(b"possible", fs.file(0o444, list));
    cpu.insert(b"present", fs.file(0o444, list));
    for i in 0..m.cpus() {
        cpu.insert(format!("cpu{i}").as_bytes(), fs.dir(0o755));
    }
    system.insert(b"cpu", cpu);
    devices.insert(b"system", system);
    root.insert(b"devices", devices);

    let kernel = fs.dir(0o755);
    let mm = fs.dir(0o755);
    let thp = fs.dir(0o755);
    // No transparent huge pages: the kernel maps 4 KiB pages only.
    thp.insert(
        b"enabled",
        fs.file(0o644, || b"always madvise [never]\n".to_vec()),
    );
    thp.insert(
        b"defrag",
        fs.file(0o644, || {
            b"always defer defer+madvise madvise [never]\n".to_vec()
        }),
    );
    thp.insert(b"hpage_pmd_size", fs.file(0o444, || b"2097152\n".to_vec()));
    mm.insert(b"transparent_hugepage", thp);
    kernel.insert(b"mm", mm);
    root.insert(b"kernel", kernel);
    root.insert(b"fs", fs.dir(0o755));
    root
}
