//! Debian's static busybox: the shell with builtins and applets that do not fork.

mod common;

use common::*;

fn bb(args: &[&str]) -> Guest {
    require_busybox();
    Guest::new(BUSYBOX).args(args.iter().copied())
}

/// Runs in the guest and on the host; stdout and status must match.
fn same(args: &[&str], stdin: &[u8]) -> Run {
    same_as_native(&bb(args).stdin(stdin.to_vec())).0
}

#[test]
fn sh_echo_and_arithmetic() {
    same(&["sh", "-c", "echo hi; echo $((6*7))"], b"")
        .expect_status(0)
        .expect_stdout("hi\n42\n");
}

#[test]
fn sh_exit_status() {
    same(&["sh", "-c", "exit 7"], b"")
        .expect_status(7)
        .expect_stdout("");
}

#[test]
fn sh_builtins_loops_and_variables() {
    same(
        &[
            "sh",
            "-c",
            "x=3; for i in 1 2 $x; do echo \"item $i\"; done; \
             if [ \"$x\" -gt 2 ]; then echo big; fi; \
             case foo in f*) echo matched;; esac; \
             printf '%s=%d\\n' answer 42; echo \"$0 $1 $#\"; \
             read line; echo \"read: $line\"; false || echo \"false gave $?\"",
            "me",
            "arg",
        ],
        b"input line\n",
    )
    .expect_status(0)
    .expect_stdout(
        "item 1\nitem 2\nitem 3\nbig\nmatched\nanswer=42\nme arg 1\nread: input line\nfalse gave 1\n",
    );
}

#[test]
fn sh_reads_a_script_from_stdin() {
    same(&["sh", "-s"], b"echo from stdin\nexit 3\n")
        .expect_status(3)
        .expect_stdout("from stdin\n");
}

#[test]
fn echo_printf_true_false() {
    same(&["echo", "hello", "world"], b"").expect_stdout("hello world\n");
    same(&["printf", "%s-%d-%x\\n", "a", "5", "255"], b"").expect_stdout("a-5-ff\n");
    same(&["true"], b"").expect_status(0);
    same(&["false"], b"").expect_status(1);
}

#[test]
fn basename_expr_seq() {
    same(&["basename", "/a/b/c.txt", ".txt"], b"").expect_stdout("c\n");
    same(&["expr", "6", "*", "7"], b"").expect_stdout("42\n");
    same(&["expr", "1", "=", "2"], b"")
        .expect_status(1)
        .expect_stdout("0\n");
    same(&["seq", "1", "10"], b"").expect_stdout("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
}

#[test]
fn wc_sort_sha256sum_of_stdin() {
    let text = b"pear\napple\nfig\nbanana\napple\n";
    same(&["wc"], text).expect_status(0);
    same(&["wc", "-l"], text).expect_stdout("5\n");
    same(&["sort"], text).expect_stdout("apple\napple\nbanana\nfig\npear\n");
    same(&["sort", "-u", "-r"], text).expect_stdout("pear\nfig\nbanana\napple\n");
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let r = same(&["sha256sum"], &big);
    r.expect_status(0);
    assert!(r.out().ends_with("  -\n"), "{}", r.show());
}

#[test]
fn cat_etc_passwd_and_proc() {
    let r = bb(&["cat", "/etc/passwd"]).run();
    r.expect_status(0);
    assert!(r.out().starts_with("root:x:0:0:"), "{}", r.show());
    let r = bb(&["head", "-n", "1", "/proc/meminfo"]).run();
    r.expect_status(0);
    assert!(r.out().starts_with("MemTotal:"), "{}", r.show());
    let r = bb(&["grep", "-c", "^processor", "/proc/cpuinfo"]).run();
    r.expect_status(0).expect_stdout("1\n");
}

#[test]
fn ls_root() {
    let r = bb(&["ls", "/"]).run();
    r.expect_status(0);
    let names: Vec<String> = r.out().lines().map(str::to_string).collect();
    for want in ["dev", "etc", "proc", "tmp"] {
        assert!(
            names.iter().any(|n| n == want),
            "no /{want} in ls /{}",
            r.show()
        );
    }
    let r = bb(&["ls", "-l", "/etc/passwd"]).run();
    r.expect_status(0);
    assert!(r.out().starts_with("-rw-r--r--"), "{}", r.show());
}

#[test]
fn uname_a() {
    let r = bb(&["uname", "-a"]).run();
    r.expect_status(0);
    assert!(r.out().starts_with("Linux osprey "), "{}", r.show());
    assert!(r.out().contains(" x86_64"), "{}", r.show());
    bb(&["uname", "-n"]).run().expect_stdout("osprey\n");
    bb(&["hostname"]).run().expect_stdout("osprey\n");
}

#[test]
fn shell_redirections_to_files_in_tmp() {
    // Redirections are done by the shell itself, no fork: >, >> and <.
    bb(&[
        "sh",
        "-c",
        "cd /tmp && echo one > f && echo two >> f && read first < f && echo \"first: $first\" && \
         while read l; do echo \"line: $l\"; done < f; echo \"pwd: $PWD\"; \
         [ -f /tmp/f ] && echo exists; [ -d /proc ] && echo proc-dir; cd /nonexistent || echo \"cd failed\"",
    ])
    .run()
    .expect_status(0)
    .expect_stdout("first: one\nline: one\nline: two\npwd: /tmp\nexists\nproc-dir\ncd failed\n");
}

#[test]
fn missing_applet_and_bad_usage_statuses() {
    // Both print to stderr and fail; stdout stays empty.
    let r = same(&["no-such-applet"], b"");
    assert_ne!(r.status, 0);
    let r = same(&["seq"], b"");
    assert_ne!(r.status, 0);
}
