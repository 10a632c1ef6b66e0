//! Smoke tests of the `osprey` binary against tiny PVH stub kernels instead of the real one:
//! they check the CLI's half of the contract (QEMU command line, console framing, stdin
//! pumping, exit statuses, crash symbolization, panics, timeouts) independently of the kernel.
//!
//! Each stub is 32-bit assembly generated here: it sends a fixed byte string of frames on COM1
//! (made with osprey-proto, so the frames are right by construction), optionally echoes Stdin
//! frames back as Stdout until StdinEof, sends a closing string and writes a value to the
//! isa-debug-exit port. `OSPREY_KERNEL` makes osprey boot it. Needs `as`, `ld`, `gcc`, `nm`
//! and qemu-system-x86_64; without them the tests print why and pass.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use osprey_proto::frame::{encode, CrashReport, Tag};

const OSPREY: &str = env!("CARGO_BIN_EXE_osprey");

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn tools_present() -> bool {
    let ok = have("as", "--version")
        && have("ld", "--version")
        && have("gcc", "--version")
        && have("nm", "--version")
        && have("qemu-system-x86_64", "--version");
    if !ok {
        eprintln!("skipping: needs as, ld, gcc, nm and qemu-system-x86_64");
    }
    ok
}

fn frames(list: &[(Tag, &[u8])]) -> Vec<u8> {
    let mut v = Vec::new();
    for (t, p) in list {
        encode(&mut v, *t as u8, p);
    }
    v
}

fn bytes_directive(b: &[u8]) -> String {
    if b.is_empty() {
        return String::new();
    }
    b.chunks(16)
        .map(|c| {
            let list: Vec<String> = c.iter().map(|x| x.to_string()).collect();
            format!("    .byte {}\n", list.join(", "))
        })
        .collect()
}

struct Stub {
    /// Frames sent at boot.
    script: Vec<u8>,
    /// Send `script` again and again, forever.
    repeat: bool,
    /// Echo Stdin payloads back as Stdout frames until StdinEof.
    echo: bool,
    /// Frames sent before powering off.
    bye: Vec<u8>,
    /// The value written to isa-debug-exit.
    exit_value: u32,
}

impl Stub {
    fn asm(&self) -> String {
        let mut s = String::from(
            r#"
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4, 8, 18          # XEN_ELFNOTE_PHYS32_ENTRY, an 8-byte entry for QEMU 7.2
    .asciz "Xen"
    .p2align 2
    .quad _start
    .text
    .code32
    .globl _start
_start:
    mov $script, %esi
    mov $script_end - script, %ecx
    call send
"#,
        );
        if self.repeat {
            s.push_str("    jmp _start\n");
        }
        if self.echo {
            s.push_str(
                r#"
1:  call getc
    mov %al, %bl
    call getc
    movzbl %al, %edi
    call getc
    movzbl %al, %eax
    shl $8, %eax
    or %eax, %edi
    cmp $2, %bl
    je bye_now
    cmp $1, %bl
    jne skip
    mov $1, %al
    call putc
    mov %edi, %eax
    call putc
    mov %edi, %eax
    shr $8, %eax
    call putc
2:  test %edi, %edi
    jz 1b
    call getc
    call putc
    dec %edi
    jmp 2b
skip:
    test %edi, %edi
    jz 1b
    call getc
    dec %edi
    jmp skip
"#,
            );
        }
        s.push_str(&format!(
            r#"
bye_now:
    mov $bye, %esi
    mov $bye_end - bye, %ecx
    call send
    mov ${exit}, %eax
    outl %eax, $0xf4
3:  hlt
    jmp 3b

send:
    jecxz 5f
4:  lodsb
    call putc
    loop 4b
5:  ret
putc:
    push %edx
    mov $0x3f8, %dx
    outb %al, %dx
    pop %edx
    ret
getc:
    mov $0x3fd, %dx
6:  inb %dx, %al
    test $1, %al
    jz 6b
    mov $0x3f8, %dx
    inb %dx, %al
    ret

    .section .rodata
script:
{script}script_end:
bye:
{bye}bye_end:
"#,
            exit = self.exit_value,
            script = bytes_directive(&self.script),
            bye = bytes_directive(&self.bye),
        ));
        s
    }

    fn build(&self, dir: &Path, name: &str) -> PathBuf {
        let src = dir.join(format!("{name}.S"));
        let obj = dir.join(format!("{name}.o"));
        let ld = dir.join("stub.ld");
        let elf = dir.join(format!("{name}.elf"));
        std::fs::write(&src, self.asm()).unwrap();
        std::fs::write(
            &ld,
            "ENTRY(_start)\nSECTIONS {\n . = 0x100000;\n .text : { *(.text) }\n \
             .rodata : { *(.rodata) }\n .note.Xen : { *(.note.Xen) }\n}\n",
        )
        .unwrap();
        let st = Command::new("as")
            .arg("--64")
            .arg("-o")
            .arg(&obj)
            .arg(&src)
            .status()
            .unwrap();
        assert!(st.success(), "as failed on {}", src.display());
        let st = Command::new("ld")
            .args(["-m", "elf_x86_64", "-T"])
            .arg(&ld)
            .arg("-o")
            .arg(&elf)
            .arg(&obj)
            .status()
            .unwrap();
        assert!(st.success(), "ld failed");
        elf
    }
}

/// A static x86_64 program for osprey to accept (the stubs never run it).
fn static_program(dir: &Path) -> PathBuf {
    let c = dir.join("prog.c");
    std::fs::write(&c, "int helper(int x) { return x + 1; }\nint main(int c, char **v) { (void)v; return helper(c); }\n").unwrap();
    let out = dir.join("prog");
    let st = Command::new("gcc")
        .args(["-static", "-O0", "-no-pie", "-o"])
        .arg(&out)
        .arg(&c)
        .status()
        .unwrap();
    assert!(st.success());
    out
}

fn osprey(kernel: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(OSPREY)
        .env("OSPREY_KERNEL", kernel)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const NORMAL: u32 = osprey_proto::DEBUG_EXIT_NORMAL;

#[test]
fn stdio_round_trip_and_exit_status() {
    if !tools_present() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let mut boot = 1_234_567u64.to_le_bytes().to_vec();
    boot.extend_from_slice(b"stub ready");
    let stub = Stub {
        script: frames(&[
            (Tag::Stdout, b"hi\n"),
            (Tag::Stderr, b"err\n"),
            (Tag::Log, b"stub log line"),
            (Tag::Strace, b"write(1, \"hi\\n\", 3) = 3"),
            (Tag::Bootchart, &boot),
        ]),
        repeat: false,
        echo: true,
        bye: frames(&[(Tag::Exit, &3i32.to_le_bytes())]),
        exit_value: NORMAL,
    }
    .build(d.path(), "echo");
    let prog = static_program(d.path());
    let prog = prog.to_str().unwrap();

    // A stdin larger than one frame, and binary.
    let mut input: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    input.extend_from_slice(b"\nend\n");
    let out = osprey(&stub, &["run", "-e", "A=1", prog, "x", "-y"], &input);
    assert_eq!(out.status.code(), Some(3), "stderr: {}", text(&out.stderr));
    let mut expected = b"hi\n".to_vec();
    expected.extend_from_slice(&input);
    assert!(
        out.stdout == expected,
        "stdout differs ({} bytes vs {})",
        out.stdout.len(),
        expected.len()
    );
    let err = text(&out.stderr);
    assert!(
        err.starts_with("err\nwrite(1, \"hi\\n\", 3) = 3\n"),
        "{err}"
    );
    assert!(
        !err.contains("stub log line"),
        "the log is hidden without --verbose: {err}"
    );

    let out = osprey(&stub, &["run", "--verbose", "--bootchart", prog], b"");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(out.stdout, b"hi\n");
    let err = text(&out.stderr);
    assert!(err.contains("stub log line\n"), "{err}");
    assert!(err.contains("osprey: boot chart"), "{err}");
    assert!(
        err.contains("1.235 ms") && err.contains("stub ready"),
        "{err}"
    );
}

#[test]
fn crash_report_is_symbolized() {
    if !tools_present() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let prog = static_program(d.path());
    let canonical = std::fs::canonicalize(&prog).unwrap();
    let nm = Command::new("nm").arg(&prog).output().unwrap();
    let main = text(&nm.stdout)
        .lines()
        .find(|l| l.ends_with(" T main"))
        .map(|l| u64::from_str_radix(l.split_whitespace().next().unwrap(), 16).unwrap())
        .unwrap();
    let mut r = CrashReport {
        signal: 11,
        code: 1,
        fault_addr: 0,
        ..Default::default()
    };
    r.regs[16] = main + 0x15;
    r.regs[7] = 0x7fff_ffff_e000;
    r.module_path = canonical.to_str().unwrap().as_bytes().to_vec();
    let stub = Stub {
        script: frames(&[
            (Tag::Crash, &r.encode()),
            (Tag::Exit, &139i32.to_le_bytes()),
        ]),
        repeat: false,
        echo: false,
        bye: vec![],
        exit_value: NORMAL,
    }
    .build(d.path(), "crash");
    let out = osprey(&stub, &["run", prog.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(139));
    let err = text(&out.stderr);
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some("osprey: the app was killed by SIGSEGV (Segmentation fault) at address 0x0 (SEGV_MAPERR)")
    );
    let rip = format!(
        "  rip {:#x} <main+0x15> in {}",
        main + 0x15,
        canonical.display()
    );
    assert_eq!(lines.next(), Some(rip.as_str()), "{err}");
    assert!(err.contains("rsp 0x00007fffffffe000"), "{err}");
}

#[test]
fn panic_and_silent_death_exit_125() {
    if !tools_present() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let prog = static_program(d.path());
    let prog = prog.to_str().unwrap();
    let panic = Stub {
        script: frames(&[
            (Tag::Log, b"about to fail"),
            (Tag::Panic, b"oops at "),
            (Tag::Panic, b"mm.rs:1\n"),
        ]),
        repeat: false,
        echo: false,
        bye: vec![],
        exit_value: osprey_proto::DEBUG_EXIT_PANIC,
    }
    .build(d.path(), "panic");
    let out = osprey(&panic, &["run", prog], b"");
    assert_eq!(out.status.code(), Some(125));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("osprey: kernel panic: oops at mm.rs:1\n"),
        "{err}"
    );
    assert!(
        err.contains("osprey: last kernel log lines:\n  about to fail\n"),
        "{err}"
    );

    let silent = Stub {
        script: frames(&[(Tag::Stdout, b"partial")]),
        repeat: false,
        echo: false,
        bye: vec![],
        exit_value: 0x05,
    }
    .build(d.path(), "silent");
    let out = osprey(&silent, &["run", prog], b"");
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(out.stdout, b"partial");
    let err = text(&out.stderr);
    assert!(
        err.starts_with(
            "osprey: the VM stopped without reporting an exit status (QEMU exited with status 11)"
        ),
        "{err}"
    );
}

#[test]
fn timeout_and_closed_stdout_stop_the_vm() {
    if !tools_present() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let prog = static_program(d.path());
    let prog = prog.to_str().unwrap();
    // Waits for stdin forever: we keep the pipe open, so only --timeout ends it.
    let waiter = Stub {
        script: vec![],
        repeat: false,
        echo: true,
        bye: vec![],
        exit_value: NORMAL,
    }
    .build(d.path(), "wait");
    let start = Instant::now();
    let mut child = Command::new(OSPREY)
        .env("OSPREY_KERNEL", &waiter)
        .args(["run", "--timeout", "1.5", prog])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _keep_open = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert!(start.elapsed() < Duration::from_secs(30));
    assert!(text(&out.stderr).contains("--timeout"));

    // Prints forever; the reader goes away after the first bytes (`| head -c 10`).
    let spam = Stub {
        script: frames(&[(Tag::Stdout, b"y\n")]),
        repeat: true,
        echo: false,
        bye: vec![],
        exit_value: NORMAL,
    }
    .build(d.path(), "spam");
    let mut child = Command::new(OSPREY)
        .env("OSPREY_KERNEL", &spam)
        .args(["run", "--timeout", "60", prog])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"y\ny\ny\ny\ny\n");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn refusals_happen_before_boot() {
    let d = tempfile::tempdir().unwrap();
    // No kernel needed: every one of these fails before QEMU starts.
    let kernel = d.path().join("none.elf");
    std::fs::write(&kernel, b"\x7fELF").unwrap();
    let txt = d.path().join("notes.txt");
    std::fs::write(&txt, "hello").unwrap();
    std::fs::set_permissions(&txt, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let missing = d.path().join("missing");
    for (args, want) in [
        (
            vec!["run", missing.to_str().unwrap()],
            format!("osprey: {}: no such file\n", missing.display()),
        ),
        (
            vec!["run", txt.to_str().unwrap()],
            format!(
                "osprey: {}: not an ELF executable (no ELF magic)\n",
                txt.display()
            ),
        ),
        (
            vec!["run", "no-such-program-anywhere"],
            "osprey: no-such-program-anywhere: not found in PATH\n".to_string(),
        ),
    ] {
        let out = osprey(&kernel, &args, b"");
        assert_eq!(out.status.code(), Some(125), "{args:?}");
        assert_eq!(text(&out.stderr), want);
    }
    let out = osprey(&kernel, &["run", "--mem", "lots", "x"], b"");
    assert_eq!(out.status.code(), Some(2));
}
