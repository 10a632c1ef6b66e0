//! `--strace`: every system call, strace style, on stderr (never on stdout).

mod common;

use common::*;

fn strace_lines(r: &Run) -> Vec<String> {
    r.err().lines().map(str::to_string).collect()
}

#[test]
fn lines_look_like_strace() {
    for v in Variant::ALL {
        let r = Guest::new(program("strace_me", v)).opt("--strace").run();
        r.expect_status(0);
        // stdout carries only the program's output.
        assert_eq!(r.out(), "hello\n", "{v:?}{}", r.show());
        let lines = strace_lines(&r);
        let has = |pred: &dyn Fn(&str) -> bool| lines.iter().any(|l| pred(l));
        assert!(
            has(&|l| l == "write(1, \"hello\\n\", 6) = 6"
                || (l.starts_with("write(1, \"hello\\n\", 6)") && l.ends_with(" = 6"))),
            "{v:?}: no write line{}",
            r.show()
        );
        assert!(
            has(&|l| l.starts_with("syscall_0x3e8(")
                && l.ends_with(" = -1 ENOSYS (Function not implemented)")),
            "{v:?}: no ENOSYS line for syscall 1000{}",
            r.show()
        );
        assert!(
            has(&|l| l.starts_with("close(-1)") && l.ends_with(" = -1 EBADF (Bad file descriptor)")),
            "{v:?}: no close(-1) line{}",
            r.show()
        );
        // The program's own stderr output is there too, between the calls.
        assert!(has(&|l| l == "to stderr"), "{v:?}{}", r.show());
        assert!(
            has(&|l| l.starts_with("write(2, \"to stderr\\n\", 10)") && l.ends_with(" = 10")),
            "{v:?}{}",
            r.show()
        );
        let last = lines.last().map(String::as_str).unwrap_or("");
        assert!(
            last.starts_with("exit_group(0)") && last.ends_with(" = ?"),
            "{v:?}: the last line is {last:?}{}",
            r.show()
        );
        // Every strace line is `name(args) = result`, with a known result shape.
        for l in &lines {
            if l == "to stderr" {
                continue;
            }
            let ok = l.contains('(')
                && (l.ends_with(" = ?")
                    || l.rsplit(" = ").next().is_some_and(|res| {
                        res.starts_with("0x")
                            || res.starts_with('-')
                            || res.chars().next().is_some_and(|c| c.is_ascii_digit())
                    }));
            assert!(ok, "{v:?}: not an strace line: {l:?}{}", r.show());
        }
    }
}

#[test]
fn strace_goes_to_stderr_only() {
    let prog = program("hello", Variant::Static);
    let plain = Guest::new(&prog).arg("x").run();
    let traced = Guest::new(&prog).opt("--strace").arg("x").run();
    plain.expect_status(1);
    traced.expect_status(1);
    assert_eq!(
        plain.stdout,
        traced.stdout,
        "--strace changed stdout{}",
        traced.show()
    );
    assert!(traced.err().contains("exit_group(1)"), "{}", traced.show());
    assert!(!plain.err().contains("exit_group"), "{}", plain.show());
}

#[test]
fn startup_calls_are_decoded() {
    let r = Guest::new(program("hello", Variant::Static))
        .opt("--strace")
        .run();
    r.expect_status(0);
    let err = r.err();
    assert!(err.contains("arch_prctl(ARCH_SET_FS, 0x"), "{}", r.show());
    assert!(
        err.lines().any(|l| l.starts_with("brk(NULL)")),
        "{}",
        r.show()
    );
    // No call a static glibc hello makes is unknown to the decoder.
    assert!(!err.contains("syscall_0x"), "{}", r.show());
}

#[test]
fn busybox_shell_under_strace() {
    require_busybox();
    let r = Guest::new(BUSYBOX)
        .opt("--strace")
        .args(["sh", "-c", "echo traced"])
        .run();
    r.expect_status(0).expect_stdout("traced\n");
    assert!(
        r.err()
            .lines()
            .any(|l| l.starts_with("write(1, \"traced\\n\", 7)") && l.ends_with(" = 7")),
        "{}",
        r.show()
    );
}
