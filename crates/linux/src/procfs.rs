//! /proc, assembled from the vfs's synthetic building blocks. Files are generated when opened
//! (a snapshot, like Linux's seq files). The app is PID 1: `/proc/self` links to `1`.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use osprey_vfs::{Clock, Inode, StaticDir, SynthFs};

use crate::machine::Machine;
use crate::process::{Process, PID};

/// Builds /proc for `p` and returns its root directory, to mount at /proc.
pub fn build(p: &'static Process, m: &'static dyn Machine, clock: Clock) -> Arc<dyn Inode> {
    let fs = SynthFs::new(clock);
    // Filled on first use: most programs never look at /proc, and building it costs boot time.
    let fs2 = fs.clone();
    fs.lazy_dir(0o555, move |root| fill(root, fs2, p, m))
}

fn fill(root: &StaticDir, fs: SynthFs, p: &'static Process, m: &'static dyn Machine) {
    let pid_dir = fs.dir(0o555);
    pid_dir.insert(b"exe", fs.link(move || p.exe.clone()));
    pid_dir.insert(b"cwd", fs.link(move || p.fs.lock().cwd.path()));
    pid_dir.insert(b"root", fs.symlink(b"/"));
    pid_dir.insert(b"cmdline", fs.file(0o444, move || p.cmdline.clone()));
    pid_dir.insert(b"environ", fs.file(0o400, move || p.environ.clone()));
    pid_dir.insert(b"comm", fs.file(0o644, move || comm(p)));
    pid_dir.insert(
        b"maps",
        fs.file(0o444, move || p.mm.lock().space.maps_text().into_bytes()),
    );
    pid_dir.insert(b"status", fs.file(0o444, move || status(p)));
    pid_dir.insert(b"stat", fs.file(0o444, move || stat(p, m)));
    pid_dir.insert(b"statm", fs.file(0o444, move || statm(p)));
    pid_dir.insert(b"auxv", fs.file(0o400, move || auxv(p)));
    pid_dir.insert(b"mounts", fs.file(0o444, move || mounts(p)));
    pid_dir.insert(b"mountinfo", fs.file(0o444, move || mountinfo(p)));
    let fd_fs = fs.clone();
    pid_dir.insert(
        b"fd",
        fs.dynamic_dir(0o500, move || {
            p.files
                .list()
                .into_iter()
                .map(|(fd, f)| {
                    let path = f.path();
                    let link: Arc<dyn Inode> = fd_fs.link(move || path.clone());
                    (format!("{fd}").into_bytes(), link)
                })
                .collect()
        }),
    );
    let pid_name = format!("{PID}").into_bytes();
    root.insert(&pid_name, pid_dir.clone());
    root.insert(b"self", fs.symlink(&pid_name));
    root.insert(
        b"thread-self",
        fs.symlink(format!("{PID}/task/{PID}").as_bytes()),
    );
    root.insert(b"mounts", fs.symlink(b"self/mounts"));

    root.insert(b"cpuinfo", fs.file(0o444, move || m.cpuinfo().into_bytes()));
    root.insert(b"stat", fs.file(0o444, move || stat_all(p, m)));
    root.insert(b"meminfo", fs.file(0o444, move || meminfo(p, m)));
    root.insert(b"uptime", fs.file(0o444, move || uptime(m)));
    root.insert(b"version", fs.file(0o444, version));
    root.insert(
        b"loadavg",
        fs.file(0o444, || b"0.00 0.00 0.00 1/1 1\n".to_vec()),
    );
    root.insert(
        b"filesystems",
        fs.file(0o444, || {
            b"nodev\tramfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n".to_vec()
        }),
    );

    let sys = fs.dir(0o555);
    let kernel = fs.dir(0o555);
    kernel.insert(b"ostype", fs.file(0o444, || b"Linux\n".to_vec()));
    kernel.insert(
        b"osrelease",
        fs.file(0o444, || with_nl(crate::syscall::misc::uname::RELEASE)),
    );
    kernel.insert(b"hostname", fs.file(0o644, move || with_nl(&p.hostname)));
    kernel.insert(b"pid_max", fs.file(0o644, || b"4194304\n".to_vec()));
    kernel.insert(b"random", random_dir(&fs, m));
    sys.insert(b"kernel", kernel);
    let vm = fs.dir(0o555);
    vm.insert(b"overcommit_memory", fs.file(0o644, || b"0\n".to_vec()));
    vm.insert(b"max_map_count", fs.file(0o644, || b"65530\n".to_vec()));
    sys.insert(b"vm", vm);
    root.insert(b"sys", sys);
}

fn random_dir(fs: &SynthFs, m: &'static dyn Machine) -> Arc<dyn Inode> {
    let d = fs.dir(0o555);
    d.insert(
        b"boot_id",
        fs.file(0o444, move || {
            let mut b = [0u8; 16];
            m.random(&mut b);
            uuid(&b)
        }),
    );
    d.insert(
        b"uuid",
        fs.file(0o444, move || {
            let mut b = [0u8; 16];
            m.random(&mut b);
            uuid(&b)
        }),
    );
    d.insert(b"entropy_avail", fs.file(0o444, || b"256\n".to_vec()));
    d
}

fn uuid(b: &[u8; 16]) -> Vec<u8> {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}\n",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
    .into_bytes()
}

fn with_nl(s: &[u8]) -> Vec<u8> {
    let mut v = s.to_vec();
    v.push(b'\n');
    v
}

fn comm(p: &Process) -> Vec<u8> {
    let name = p.thread(PID).map(|t| t.name()).unwrap_or_default();
    let n = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    with_nl(&name[..n])
}

fn status(p: &Process) -> Vec<u8> {
    let name = comm(p);
    let st = p.mm.lock().space.stats();
    let (uid, gid) = {
        let c = p.creds.lock();
        (c.uid, c.gid)
    };
    let sig = p.signals.lock();
    let (mut ign, mut cgt) = (0u64, 0u64);
    for (i, a) in sig.actions.iter().enumerate() {
        match a.sa_handler {
            osprey_abi::signal::SIG_DFL => {}
            osprey_abi::signal::SIG_IGN => ign |= 1 << i,
            _ => cgt |= 1 << i,
        }
    }
    let s = format!(
        "Name:\t{}\nUmask:\t{:04o}\nState:\tR (running)\nTgid:\t{PID}\nNgid:\t0\nPid:\t{PID}\nPPid:\t0\n\
TracerPid:\t0\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\nFDSize:\t64\nGroups:\t\n\
VmPeak:\t{:8} kB\nVmSize:\t{:8} kB\nVmRSS:\t{:8} kB\nVmData:\t{:8} kB\nVmStk:\t{:8} kB\nThreads:\t{}\n\
SigQ:\t0/0\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t{:016x}\nSigIgn:\t{:016x}\n\
SigCgt:\t{:016x}\nCpus_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        String::from_utf8_lossy(name.strip_suffix(b"\n").unwrap_or(&name)),
        p.fs.lock().umask,
        st.mapped_bytes / 1024,
        st.mapped_bytes / 1024,
        st.resident_pages * 4,
        st.heap_bytes / 1024,
        crate::exec::STACK_SIZE / 1024,
        p.thread_count(),
        p.thread(PID).map_or(0, |t| t.mask()),
        ign,
        cgt,
    );
    s.into_bytes()
}

fn stat(p: &Process, m: &dyn Machine) -> Vec<u8> {
    let name = comm(p);
    let st = p.mm.lock().space.stats();
    let start_ticks = p.start_ns / 10_000_000;
    let run_ticks = m.monotonic_ns().saturating_sub(p.start_ns) / 10_000_000;
    format!(
        "{PID} ({}) R 0 {PID} {PID} 0 -1 4194560 0 0 0 0 {run_ticks} 0 0 0 20 0 1 0 {start_ticks} {} {} \
18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        String::from_utf8_lossy(name.strip_suffix(b"\n").unwrap_or(&name)),
        st.mapped_bytes,
        st.resident_pages,
    )
    .into_bytes()
}

fn statm(p: &Process) -> Vec<u8> {
    let st = p.mm.lock().space.stats();
    format!(
        "{} {} 0 0 0 {} 0\n",
        st.mapped_bytes / 4096,
        st.resident_pages,
        st.heap_bytes / 4096
    )
    .into_bytes()
}

fn auxv(p: &Process) -> Vec<u8> {
    let mut v = Vec::new();
    for (k, val) in p.auxv.lock().iter() {
        v.extend_from_slice(&k.to_le_bytes());
        v.extend_from_slice(&val.to_le_bytes());
    }
    v
}

fn mounts(p: &Process) -> Vec<u8> {
    let mut s = String::from("rootfs / rootfs rw 0 0\n");
    for mi in p.vfs.mounts() {
        s.push_str(&format!(
            "{} {} {} rw,relatime 0 0\n",
            mi.source,
            String::from_utf8_lossy(&mi.path),
            mi.fstype
        ));
    }
    s.into_bytes()
}

/// /proc/self/mountinfo: mount id, parent id, major:minor, root, mount point, options,
/// separator, type, source, super options.
fn mountinfo(p: &Process) -> Vec<u8> {
    let mut s = String::from("1 0 0:1 / / rw,relatime - rootfs rootfs rw\n");
    for (i, mi) in p.vfs.mounts().iter().enumerate() {
        s.push_str(&format!(
            "{} 1 0:{} / {} rw,relatime - {} {} rw\n",
            i + 2,
            i + 2,
            String::from_utf8_lossy(&mi.path),
            mi.fstype,
            mi.source
        ));
    }
    s.into_bytes()
}

/// /proc/stat: CPU time in USER_HZ ticks (the app's run time as user time, the rest idle),
/// boot time, one process running.
fn stat_all(p: &Process, m: &dyn Machine) -> Vec<u8> {
    let up = m.monotonic_ns() / 10_000_000;
    let user = m.monotonic_ns().saturating_sub(p.start_ns) / 10_000_000;
    let idle = up.saturating_sub(user);
    let btime = (m.realtime_ns() - m.monotonic_ns()) / 1_000_000_000;
    let mut s = format!("cpu  {user} 0 0 {idle} 0 0 0 0 0 0\n");
    for i in 0..m.cpus() {
        let (u, d) = if i == 0 { (user, idle) } else { (0, up) };
        s.push_str(&format!("cpu{i} {u} 0 0 {d} 0 0 0 0 0 0\n"));
    }
    s.push_str(&format!(
        "intr 0\nctxt 0\nbtime {btime}\nprocesses 1\nprocs_running 1\nprocs_blocked 0\nsoftirq 0\n"
    ));
    s.into_bytes()
}

fn meminfo(p: &Process, m: &dyn Machine) -> Vec<u8> {
    let (total, free) = m.memory();
    let rss = p.mm.lock().resident_bytes();
    let (t, f) = (total / 1024, free / 1024);
    format!(
        "MemTotal:       {t:8} kB\nMemFree:        {f:8} kB\nMemAvailable:   {f:8} kB\n\
Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n\
Active:         {:8} kB\nInactive:              0 kB\nSwapTotal:             0 kB\n\
SwapFree:              0 kB\nDirty:                 0 kB\nAnonPages:      {:8} kB\n\
Shmem:                 0 kB\nCommitLimit:    {t:8} kB\nHugePages_Total:       0\n\
HugePages_Free:        0\nHugepagesize:       2048 kB\n",
        rss / 1024,
        rss / 1024,
    )
    .into_bytes()
}

fn uptime(m: &dyn Machine) -> Vec<u8> {
    let ns = m.monotonic_ns();
    let cs = ns / 10_000_000;
    format!(
        "{}.{:02} {}.{:02}\n",
        cs / 100,
        cs % 100,
        cs / 100,
        cs % 100
    )
    .into_bytes()
}

fn version() -> Vec<u8> {
    let mut v = b"Linux version ".to_vec();
    v.extend_from_slice(crate::syscall::misc::uname::RELEASE);
    v.extend_from_slice(b" (osprey) ");
    v.extend_from_slice(crate::syscall::misc::uname::VERSION);
    v.push(b'\n');
    v
}
