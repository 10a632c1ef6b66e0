//! Files: the writable in-memory root (/tmp), file descriptors, /dev, /proc and /etc.

#[macro_use]
mod common;

use common::*;

each_variant!(file_io_in_tmp, |v| {
    // The host run works in a fresh directory of its own; the guest in /tmp/osprey-files.
    // The program prints names relative to it, so the outputs compare.
    let prog = program("files", v);
    let host_dir = tempfile::tempdir().unwrap();
    let host_path = host_dir.path().join("osprey-files");
    let host = Guest::new(&prog).arg(&host_path).run_native();
    assert_eq!(host.status, 0, "the host run failed{}", host.show());
    let vm = Guest::new(&prog).arg("/tmp/osprey-files").run();
    assert!(
        vm.stdout == host.stdout && vm.status == 0,
        "the guest differs from the host:\n{}{}",
        diff(&host.out(), &vm.out()),
        vm.show()
    );
});

each_variant!(file_descriptors_pipes_and_dev, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("fds", v)));
    vm.expect_status(0);
    assert!(
        vm.out().contains("via dup\nwrite via dup = 8\n"),
        "{}",
        vm.show()
    );
});

each_variant!(proc_and_etc, |v| {
    let prog = program("procfs", v);
    let (vm, _) = same_as_native(&Guest::new(&prog).opt("--mem").opt("128M"));
    vm.expect_checks_pass();
    // /proc/self/exe is the program's canonical host path (the guest keeps host paths).
    let exe = vm.value("exe").expect("exe= line");
    assert_eq!(exe, prog.canonicalize().unwrap().to_str().unwrap());
    assert_eq!(
        vm.value("cpus").as_deref(),
        Some("1"),
        "one CPU{}",
        vm.show()
    );
    let kb: u64 = vm.value("memtotal_kb").unwrap().parse().unwrap();
    assert!(
        (64 * 1024..=128 * 1024).contains(&kb),
        "MemTotal {kb} kB for a 128M guest{}",
        vm.show()
    );
});

#[test]
fn cwd_option_sets_the_working_directory() {
    let vm = Guest::new(program("sysid", Variant::Static))
        .opt("--cwd")
        .opt("/work/dir")
        .run();
    vm.expect_status(0);
    assert_eq!(
        vm.value("cwd").as_deref(),
        Some("/work/dir"),
        "{}",
        vm.show()
    );
}

#[test]
fn filling_tmp_gives_enospc_and_the_space_comes_back() {
    let vm = Guest::new(program("fill_tmp", Variant::Static))
        .opt("--mem")
        .opt("64M")
        .run();
    vm.expect_status(0);
    assert!(
        vm.out().contains("error=No space left on device"),
        "{}",
        vm.show()
    );
    assert_eq!(vm.value("same").as_deref(), Some("1"), "{}", vm.show());
    let mib: u64 = vm.value("first_mib").unwrap().parse().unwrap();
    assert!(
        (16..=32).contains(&mib),
        "{mib} MiB of file data in a 64M guest{}",
        vm.show()
    );
}

#[test]
fn sys_cpu_lists_proc_stat_and_mountinfo() {
    require_busybox();
    let vm = Guest::new("/bin/busybox")
        .args([
            "sh",
            "-c",
            "read a < /sys/devices/system/cpu/online; echo \"online=$a\"; \
             read t < /sys/kernel/mm/transparent_hugepage/enabled; echo \"thp=$t\"; \
             read s < /proc/stat; echo \"${s%% *}\"; \
             while read l; do case \"$l\" in *' /proc '*) echo \"$l\";; esac; done < /proc/self/mountinfo",
        ])
        .run();
    vm.expect_status(0).expect_stdout(
        "online=0\nthp=always madvise [never]\ncpu\n4 1 0:4 / /proc rw,relatime - proc proc rw\n",
    );
}

each_variant!(flock_locks_belong_to_open_file_descriptions, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("flock", v)));
    assert!(
        vm.out().contains("d LOCK_EX waits for the unlock: 0"),
        "{}",
        vm.show()
    );
});
