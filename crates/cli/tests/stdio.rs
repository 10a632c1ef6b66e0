//! Standard streams: stdin reaches the app byte for byte (pipes, files, nothing at all),
//! stdout and stderr arrive separately on osprey's stdout and stderr.

#[macro_use]
mod common;

use std::process::{Command, Stdio};

use common::*;

/// Text and every byte value, longer than any single console frame.
fn binary_input() -> Vec<u8> {
    let mut v = b"first line\nsecond line\n".to_vec();
    v.extend((0..70_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    v.extend(0..=255u8);
    v.extend_from_slice(b"\r\n\0\x04 last line without newline");
    v
}

each_variant!(stdin_echo_is_byte_exact, |v| {
    let input = binary_input();
    let g = Guest::new(program("echo_stdin", v)).stdin(input.clone());
    let vm = g.run();
    vm.expect_status(0);
    assert!(
        vm.stdout == input,
        "stdout differs from stdin ({} bytes vs {}){}",
        vm.stdout.len(),
        input.len(),
        vm.show()
    );
    assert_eq!(vm.err(), format!("echoed {} bytes\n", input.len()));
});

each_variant!(empty_stdin, |v| {
    let vm = Guest::new(program("echo_stdin", v)).run();
    vm.expect_status(0).expect_stdout("");
    assert_eq!(vm.err(), "echoed 0 bytes\n");
});

#[test]
fn stdin_from_a_file_and_from_dev_null() {
    let prog = program("echo_stdin", Variant::Static);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.bin");
    let input = binary_input();
    std::fs::write(&file, &input).unwrap();
    let stdin = Stdio::from(std::fs::File::open(&file).unwrap());
    let vm = run_command_with(Guest::new(&prog).command(), Input::Stdio(stdin), TIMEOUT);
    vm.expect_status(0);
    assert!(
        vm.stdout == input,
        "stdout differs from the file ({} bytes){}",
        vm.stdout.len(),
        vm.show()
    );

    let vm = run_command_with(
        Guest::new(&prog).command(),
        Input::Stdio(Stdio::null()),
        TIMEOUT,
    );
    vm.expect_status(0).expect_stdout("");
    assert_eq!(vm.err(), "echoed 0 bytes\n");
}

each_variant!(stdout_and_stderr_are_separate, |v| {
    let g = Guest::new(program("stdio_split", v));
    let (vm, host) = same_as_native(&g);
    vm.expect_status(0);
    assert_eq!(
        vm.err(),
        host.err(),
        "stderr differs from the host's{}",
        vm.show()
    );
    assert!(vm
        .out()
        .starts_with("out 0\nout 1\nout 2\nout 3\nout 4\nstdio to stdout\n"));
    assert_eq!(
        vm.err(),
        "err 0\nerr 1\nerr 2\nerr 3\nerr 4\nstdio to stderr\ndone\n"
    );
    assert_eq!(vm.stdout.len(), 6 * 6 + 16 + 100_000 - 6, "{}", vm.show());
});

#[test]
fn shell_redirections_like_the_issue_example() {
    // echo data | osprey run -e KEY=VALUE ./prog arg1 'arg 2' > out.txt 2> err.txt; echo $?
    require_tool("sh", "dash");
    let prog = program("hello", Variant::Static);
    let echo = program("echo_stdin", Variant::Static);
    let dir = tempfile::tempdir().unwrap();
    // osprey's own --timeout: the harness's timeout would kill sh but not the osprey in it.
    let script = format!(
        "echo data | '{osprey}' run --accel tcg --timeout 50 -e KEY=VALUE '{prog}' arg1 'arg 2' > out.txt 2> err.txt; echo $?; \
         echo data | '{osprey}' run --accel tcg --timeout 50 '{echo}' > echo.txt 2> echo-err.txt; echo $?",
        osprey = OSPREY,
        prog = prog.display(),
        echo = echo.display()
    );
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env_remove("TERM");
    let out = run_command(sh, b"", TIMEOUT);
    assert_eq!(out.out(), "2\n0\n", "{}", out.show());
    let text = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert!(text.contains("argv[1]=[arg1]\nargv[2]=[arg 2]\n"), "{text}");
    assert!(text.contains("env: [KEY=VALUE]\n"), "{text}");
    let err = std::fs::read_to_string(dir.path().join("err.txt")).unwrap();
    assert!(err.contains("environ: [KEY=VALUE]\n"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("echo.txt")).unwrap(),
        "data\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("echo-err.txt")).unwrap(),
        "echoed 5 bytes\n"
    );
}
