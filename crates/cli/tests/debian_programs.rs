//! Issue 3's list of unmodified Debian programs: each runs under QEMU and its output (stdout and
//! exit status) is compared with the same command run on the host, in the same directory with
//! the same environment. Only `/usr/bin/...` binaries from Debian packages are used (never a
//! pyenv shim on PATH); `scripts/install-deps.sh` installs them.

#[macro_use]
mod common;

use std::path::Path;

use common::*;

/// The Debian binary at `path`, or a failure naming the package that provides it.
fn debian<'a>(path: &'a str, package: &str) -> &'a str {
    assert!(
        Path::new(path).is_file(),
        "{path} is missing: these tests run Debian's own binaries (apt-get install {package}, \
         or scripts/install-deps.sh)"
    );
    path
}

/// A scratch directory holding `files` (name, contents).
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const PY_SCRIPT: &str = r#"
import datetime, hashlib, json, os, re, shutil, sqlite3, tempfile, zlib

# File I/O and os.listdir in a fresh directory under /tmp (its name is random: not printed).
work = tempfile.mkdtemp(prefix="osprey-test-", dir="/tmp")
for i in range(3):
    with open(os.path.join(work, f"f{i}.txt"), "w") as f:
        f.write(f"line {i}\n" * (i + 1))
names = sorted(os.listdir(work))
print("listdir", names)
text = "".join(open(os.path.join(work, n)).read() for n in names)
print("sha256", hashlib.sha256(text.encode()).hexdigest())
print("md5 sha1", hashlib.md5(b"abc").hexdigest(), hashlib.sha1(b"abc").hexdigest())
blob = text.encode() * 50
z = zlib.compress(blob, 9)
print("zlib", len(blob), len(z), zlib.decompress(z) == blob, zlib.crc32(blob))
print("re", re.findall(r"line (\d)", text), re.sub(r"\s+", "_", "a  b\tc"))
d = datetime.datetime(2024, 2, 29, 13, 45, 7) + datetime.timedelta(days=1, hours=12)
print("datetime", d.isoformat(), d.strftime("%A %j"), datetime.date(2000, 1, 1).weekday())
db = sqlite3.connect(os.path.join(work, "t.db"))
db.execute("create table t(k text primary key, v integer)")
db.executemany("insert into t values(?, ?)", [(f"k{i}", i * i) for i in range(200)])
db.commit()
print("sqlite", db.execute("select count(*), sum(v), max(k) from t").fetchone())
db.close()
print("json", json.dumps({"n": [1, 2.5, None, True], "s": "\u00e9"}, sort_keys=True))
print("sizes", [os.path.getsize(os.path.join(work, n)) for n in names])
shutil.rmtree(work)
print("gone", os.path.exists(work))
"#;

#[test]
fn python3_runs_a_script_from_the_current_directory() {
    let py = debian("/usr/bin/python3", "python3");
    let dir = dir_with(&[("script.py", PY_SCRIPT)]);
    let (vm, _) = same_as_native(&Guest::new(py).arg("script.py").dir(dir.path()));
    vm.expect_status(0);
    assert!(
        vm.out().contains("sqlite (200, 2646700, 'k99')\n"),
        "{}",
        vm.show()
    );
    assert!(vm.out().ends_with("gone False\n"), "{}", vm.show());
}

#[test]
fn python3_job_from_a_volume() {
    // `osprey run -v ./data:/data python3 /data/job.py`: the job reads its input from the
    // volume and writes beside it; the write stays in the VM.
    let py = debian("/usr/bin/python3", "python3");
    let job = "import json, os\n\
               d = json.load(open('/data/in.json'))\n\
               print(sorted(d['a']), sum(d['a']), sorted(os.listdir('/data')))\n\
               open('/data/out.txt', 'w').write('done')\n\
               print(open('/data/out.txt').read())\n";
    let top = tempfile::tempdir().unwrap();
    let data = top.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("in.json"), "{\"a\": [3, 1, 2]}\n").unwrap();
    std::fs::write(data.join("job.py"), job).unwrap();
    let vm = Guest::new(py)
        .opt("-v")
        .opt("./data:/data")
        .arg("/data/job.py")
        .dir(top.path())
        .run();
    // The same job on the host, from a copy at a path of its own.
    let host_top = tempfile::tempdir().unwrap();
    let host_data = host_top.path().join("data");
    std::fs::create_dir(&host_data).unwrap();
    std::fs::write(host_data.join("in.json"), "{\"a\": [3, 1, 2]}\n").unwrap();
    std::fs::write(
        host_data.join("job.py"),
        job.replace("/data", host_data.to_str().unwrap()),
    )
    .unwrap();
    let host = Guest::new(py).arg(host_data.join("job.py")).run_native();
    host.expect_status(0);
    vm.expect_status(0).expect_stdout(&host.out());
    assert_eq!(vm.out(), "[1, 2, 3] 6 ['in.json', 'job.py']\ndone\n");
    assert!(
        !data.join("out.txt").exists(),
        "a write in the VM reached the host"
    );
}

#[test]
fn lua_one_liner_and_script() {
    let lua = debian("/usr/bin/lua5.4", "lua5.4");
    let (vm, _) = same_as_native(&Guest::new(lua).args(["-e", r#"print(("x"):rep(3))"#]));
    vm.expect_stdout("xxx\n");
    let script = r##"
local t = {}
for i = 1, 10 do t[#t + 1] = i * i end
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, ","))
print(string.format("%5.2f %d %s %q", math.pi, 7 // 2, tostring(nil), "a\nb"))
print(("hello world"):gsub("o", "0"), ("key=val"):match("(%w+)=(%w+)"))
print(os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365), os.time({year = 2020, month = 1, day = 1, hour = 0}) ~= nil)
local name = os.tmpname()
local f = assert(io.open(name, "w")); f:write("one\ntwo\nthree\n"); f:close()
local n = 0
for line in io.lines(name) do n = n + #line end
print("chars", n, os.remove(name))
print(select("#", 1, 2, 3), math.maxinteger, 2^53, utf8.char(233, 8364))
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
print(co(1), co(10))
print(pcall(error, {code = 42}) == false, string.pack and #string.pack("i4i8", 1, 2))
"##;
    let dir = dir_with(&[("script.lua", script)]);
    let (vm, _) = same_as_native(&Guest::new(lua).arg("script.lua").dir(dir.path()));
    vm.expect_status(0);
    assert!(vm.out().starts_with("100,81,64"), "{}", vm.show());
}

#[test]
fn perl_with_core_and_xs_modules() {
    let perl = debian("/usr/bin/perl", "perl");
    // Digest::MD5, POSIX, List::Util and Data::Dumper load shared objects (XS): their
    // libraries come from the runtime manifest.
    let code = r#"
use strict; use warnings;
use POSIX qw(floor strftime); use List::Util qw(sum max first); use Digest::MD5 qw(md5_hex);
use Data::Dumper; $Data::Dumper::Sortkeys = 1; $Data::Dumper::Indent = 1;
my %h = (b => 2, a => 1, c => [1, 2, {x => 'y'}]);
print Dumper(\%h);
print join(",", map { $_ * 2 } grep { $_ % 2 } 1..9), "\n";
print sum(1..100), " ", max(3, 9, 2), " ", first { $_ > 3 } (1..9); print "\n";
print floor(-2.5), " ", strftime("%Y-%m-%d", gmtime(86400 * 366)), " ", md5_hex("abc"), "\n";
(my $s = "Hello, World") =~ s/(\w+)/\U$1/g; print "$s\n";
my $f = "/tmp/osprey-perl-$$.txt";
open(my $fh, '>', $f) or die; print $fh "a\nbb\nccc\n"; close $fh;
open($fh, '<', $f) or die; my @l = <$fh>; close $fh; unlink $f;
printf "%d lines, %d bytes, %s\n", scalar(@l), length(join '', @l), -e $f ? "kept" : "removed";
print sprintf("%.3e|%-5s|%05d", 12345.678, "ab", 42), "\n";
"#;
    let (vm, _) = same_as_native(&Guest::new(perl).args(["-e", code]));
    vm.expect_status(0);
    assert!(
        vm.out().contains("900150983cd24fb0d6963f7d28e17f72"),
        "{}",
        vm.show()
    );
}

/// A fresh copy of a sqlite database made on the host, in its own directory.
fn sqlite_fixture(sqlite: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ok = std::process::Command::new(sqlite)
        .arg(dir.path().join("test.db"))
        .arg(
            "create table t(x integer, name text); \
             with recursive c(i) as (select 1 union all select i + 1 from c where i < 500) \
             insert into t select i, 'row' || i from c;",
        )
        .status()
        .unwrap()
        .success();
    assert!(ok, "making the database on the host");
    dir
}

#[test]
fn sqlite3_with_a_database_file_and_its_rollback_journal() {
    let sqlite = debian("/usr/bin/sqlite3", "sqlite3");
    // The database is an argument naming a host file: it is packed, and the guest changes its
    // copy. The host runs the same statements on a copy of its own.
    let sql = "pragma journal_mode=delete; \
               begin; update t set x = x * 2 where x % 3 = 0; delete from t where x > 900; \
               insert into t values(1000000, 'new'); commit; \
               create index tx on t(x); \
               begin; delete from t; rollback; \
               select count(*), sum(x), max(name) from t; \
               pragma integrity_check; \
               select name from t where x between 10 and 14 order by x;";
    let vm_dir = sqlite_fixture(sqlite);
    let host_dir = sqlite_fixture(sqlite);
    let vm = Guest::new(sqlite)
        .args(["test.db", sql])
        .dir(vm_dir.path())
        .run();
    let host = Guest::new(sqlite)
        .args(["test.db", sql])
        .dir(host_dir.path())
        .run_native();
    host.expect_status(0);
    vm.expect_status(0).expect_stdout(&host.out());
    assert!(vm.out().starts_with("delete\n"), "{}", vm.show());
    assert!(vm.out().contains("\nok\n"), "{}", vm.show());
    // The guest changed its own copy: the host's file is as the fixture made it.
    let untouched = Guest::new(sqlite)
        .args(["test.db", "select count(*) from t"])
        .dir(vm_dir.path())
        .run_native();
    untouched.expect_stdout("500\n");
    // The issue's example: a new database in a volume.
    let vol = tempfile::tempdir().unwrap();
    let made = Guest::new(sqlite)
        .opt("-v")
        .opt(format!("{}:/data", vol.path().display()))
        .args([
            "/data/test.db",
            "create table t(x); insert into t values(1); select * from t",
        ])
        .run();
    made.expect_status(0).expect_stdout("1\n");
}

#[test]
fn coreutils_on_files_from_the_current_directory() {
    let numbers: String = [10, 9, 100, -3, 42, 7, 1000, 0, 55]
        .iter()
        .map(|n| format!("{n}\n"))
        .collect();
    let dir = dir_with(&[
        ("numbers.txt", &numbers),
        (
            "words.txt",
            "the quick brown fox\njumps over\n\nthe lazy dog\n",
        ),
    ]);
    for (prog, pkg, args) in [
        ("/usr/bin/sort", "coreutils", &["-n", "numbers.txt"][..]),
        (
            "/usr/bin/sort",
            "coreutils",
            &["-r", "words.txt", "numbers.txt"][..],
        ),
        (
            "/usr/bin/sha256sum",
            "coreutils",
            &["numbers.txt", "words.txt"][..],
        ),
        (
            "/usr/bin/wc",
            "coreutils",
            &["numbers.txt", "words.txt"][..],
        ),
        ("/usr/bin/wc", "coreutils", &["-L", "-w", "words.txt"][..]),
        ("/usr/bin/head", "coreutils", &["-n", "2", "words.txt"][..]),
        ("/usr/bin/cat", "coreutils", &["-n", "words.txt"][..]),
    ] {
        let (vm, _) = same_as_native(&Guest::new(debian(prog, pkg)).args(args).dir(dir.path()));
        vm.expect_status(0);
    }
}

#[test]
fn ls_l_of_a_packed_directory_matches_the_host() {
    // The directory lives on a tmpfs on the host (/dev/shm) because the guest's file system is
    // tmpfs-like: directory sizes and block counts are then comparable. Owners are left out
    // (-g -o: the guest runs as root, the test maybe not) and times are shown in UTC to the
    // second (the archive keeps whole seconds).
    let shm = Path::new("/dev/shm");
    assert!(
        shm.is_dir(),
        "/dev/shm is missing: this test needs a tmpfs there"
    );
    let top = tempfile::tempdir_in(shm).unwrap();
    let data = top.path().join("data");
    let sub = data.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(data.join("small.txt"), "hello\n").unwrap();
    std::fs::write(data.join("big.bin"), vec![7u8; 3 * 4096 + 5]).unwrap();
    std::fs::write(data.join("empty"), "").unwrap();
    std::fs::write(sub.join("x.txt"), "x\n").unwrap();
    std::os::unix::fs::symlink("small.txt", data.join("link")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        data.join("small.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    std::fs::set_permissions(data.join("big.bin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Fixed dates, older than six months, on everything (the symlink keeps its own).
    for p in [&data.join("small.txt"), &data.join("big.bin"), &sub, &data] {
        let ok = std::process::Command::new("touch")
            .args(["-d", "2021-03-04 05:06:07 UTC"])
            .arg(p)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
    let ls = debian("/usr/bin/ls", "coreutils");
    let opts = ["-l", "-g", "-o", "--time-style=+%Y-%m-%dT%H:%M:%S"];
    let host = Guest::new(ls)
        .args(opts)
        .arg(&data)
        .env("TZ", "UTC")
        .run_native();
    host.expect_status(0);
    let vm = Guest::new(ls)
        .opt("-v")
        .opt(format!("{}:/data", data.display()))
        .args(opts)
        .arg("/data")
        .env("TZ", "UTC")
        .run();
    vm.expect_status(0).expect_stdout(&host.out());
    assert!(
        vm.out().contains("2021-03-04T05:06:07 small.txt"),
        "{}",
        vm.show()
    );
}

/// `prog ARGS FILE` in the guest must write the same bytes as on the host; returns them.
fn same_bytes(prog: &str, pkg: &str, args: &[&str], dir: &Path) -> Vec<u8> {
    let (vm, host) = same_as_native(&Guest::new(debian(prog, pkg)).args(args).dir(dir));
    vm.expect_status(0);
    assert!(!host.stdout.is_empty());
    vm.stdout
}

#[test]
fn gzip_and_xz_round_trips() {
    // Some real data (part of an ELF file) and some text; compressed in the guest and on the
    // host (identical bytes: same program, same settings), then decompressed in the guest.
    let dir = tempfile::tempdir().unwrap();
    let mut input = std::fs::read("/usr/bin/ls").unwrap();
    input.truncate(96 * 1024);
    input.extend(b"some text\n".repeat(2000));
    std::fs::write(dir.path().join("input"), &input).unwrap();
    let gz = same_bytes(
        "/usr/bin/gzip",
        "gzip",
        &["-c", "-n", "-9", "input"],
        dir.path(),
    );
    let xz = same_bytes(
        "/usr/bin/xz",
        "xz-utils",
        &["-c", "-T1", "-6", "input"],
        dir.path(),
    );
    assert!(gz.len() < input.len() && xz.len() < input.len());
    std::fs::write(dir.path().join("input.gz"), &gz).unwrap();
    std::fs::write(dir.path().join("input.xz"), &xz).unwrap();
    let back_gz = same_bytes(
        "/usr/bin/gzip",
        "gzip",
        &["-d", "-c", "input.gz"],
        dir.path(),
    );
    let back_xz = same_bytes(
        "/usr/bin/xz",
        "xz-utils",
        &["-d", "-c", "input.xz"],
        dir.path(),
    );
    assert!(back_gz == input, "gzip round trip differs");
    assert!(back_xz == input, "xz round trip differs");
    // Integrity tests print nothing and succeed.
    same_bytes_or_empty("/usr/bin/xz", &["-t", "-v", "input.xz"], dir.path());
}

fn same_bytes_or_empty(prog: &str, args: &[&str], dir: &Path) {
    let (vm, _) = same_as_native(&Guest::new(prog).args(args).dir(dir));
    vm.expect_status(0);
}
