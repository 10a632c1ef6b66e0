//! MAP_SHARED file mappings (issue 3): a shared mapping of a file maps the file's own pages,
//! so stores through it and read()/write() see each other, truncation cuts pages (SIGBUS past
//! the end, like Linux), msync validates like Linux; and Debian's sqlite3 runs in WAL mode,
//! whose `-shm` index is such a mapping.

#[macro_use]
mod common;

use std::path::Path;
use std::process::Command;

use common::*;

each_variant!(shared_file_mapping_coherence_and_truncation, |v| {
    let (vm, _) = same_as_native(&Guest::new(program("shared_mmap", v)));
    // The program's last step touches a page past the end of the file: SIGBUS on both.
    vm.expect_status(135);
    let out = vm.out();
    assert!(
        !out.contains("FAIL") && out.lines().filter(|l| l.starts_with("ok: ")).count() >= 40,
        "{}",
        vm.show()
    );
    assert!(
        out.ends_with("touching a page past the end of the file\n"),
        "{}",
        vm.show()
    );
    assert!(
        vm.err().contains("killed by SIGBUS") && vm.err().contains("(BUS_ADRERR)"),
        "{}",
        vm.show()
    );
});

/// A WAL-mode session: the write-ahead log and its `-shm` index (mmap'ed MAP_SHARED,
/// read/write), commits, a checkpoint, and reads back.
const WAL_SQL: &str = "\
PRAGMA journal_mode=WAL;
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n REAL);
INSERT INTO t(name, n) VALUES ('alpha', 1.5), ('beta', 2.25), ('gamma', -3);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)
  INSERT INTO t(name, n) SELECT 'row' || i || hex(zeroblob(i % 50)), i * 0.5 FROM c;
SELECT count(*), sum(n), sum(length(name)) FROM t;
SELECT * FROM t WHERE id <= 3;
BEGIN;
UPDATE t SET n = n * 2 WHERE id % 7 = 0;
DELETE FROM t WHERE id % 11 = 0;
COMMIT;
SELECT count(*), sum(n) FROM t;
PRAGMA wal_checkpoint(TRUNCATE);
CREATE INDEX t_name ON t(name);
SELECT name FROM t WHERE name LIKE 'row29%' ORDER BY name LIMIT 3;
PRAGMA journal_mode;
PRAGMA integrity_check;
";

fn sqlite3() -> &'static str {
    require_tool("sqlite3", "sqlite3");
    "/usr/bin/sqlite3"
}

fn host_sqlite(db: &Path, sql: &str) -> Run {
    let mut cmd = Command::new(sqlite3());
    cmd.arg(db).arg(sql);
    run_command(cmd, b"", std::time::Duration::from_secs(60))
}

#[test]
fn sqlite3_wal_mode_matches_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let host = host_sqlite(&dir.path().join("wal.db"), WAL_SQL);
    host.expect_status(0);
    assert!(host.out().starts_with("wal\n"), "{}", host.show());
    // In the VM the database lives in the VM's /tmp (the host's temp dir is not there).
    let vm = Guest::new(sqlite3())
        .opt("--strace")
        .args(["/tmp/wal.db", WAL_SQL])
        .run();
    vm.expect_status(0);
    assert!(
        vm.stdout == host.stdout,
        "sqlite3 differs from the host:\n{}{}",
        diff(&host.out(), &vm.out()),
        vm.show()
    );
    // WAL really ran over a writable shared mapping of the -shm file.
    let err = vm.err();
    let shm_fd = err
        .lines()
        .find(|l| l.starts_with("openat(AT_FDCWD, \"/tmp/wal.db-shm\""))
        .and_then(|l| l.rsplit("= ").next())
        .unwrap_or_else(|| panic!("no -shm file opened{}", vm.show()))
        .trim()
        .to_string();
    let mapped = format!("PROT_READ|PROT_WRITE, MAP_SHARED, {shm_fd}, NULL) = 0x");
    assert!(
        err.lines()
            .any(|l| l.starts_with("mmap(") && l.contains(&mapped)),
        "the -shm file was not mapped shared and writable{}",
        vm.show()
    );
}

#[test]
fn sqlite3_wal_database_survives_reopening_in_one_session() {
    // Two connections one after the other (.open): closing the first checkpoints its WAL
    // (the -shm index is unmapped and the file removed); the second opens the database in
    // WAL mode again (the mode is stored in the file), maps a fresh index and reads the rows.
    let sql = "\
PRAGMA journal_mode=WAL;
PRAGMA wal_autocheckpoint=0;
CREATE TABLE k(v);
INSERT INTO k VALUES (1), (2), (3);
.open /tmp/wal2.db
SELECT sum(v) FROM k;
PRAGMA journal_mode;
";
    let dir = tempfile::tempdir().unwrap();
    let host_sql = sql.replace(
        "/tmp/wal2.db",
        &dir.path().join("wal2.db").to_string_lossy(),
    );
    let mut cmd = Command::new(sqlite3());
    cmd.arg(dir.path().join("wal2.db"));
    let host = run_command(cmd, host_sql.as_bytes(), std::time::Duration::from_secs(60));
    host.expect_status(0);
    let vm = Guest::new(sqlite3()).arg("/tmp/wal2.db").stdin(sql).run();
    vm.expect_status(0);
    assert_eq!(vm.out(), host.out(), "{}", vm.show());
    assert_eq!(vm.out(), "wal\n0\n6\nwal\n", "{}", vm.show());
}

#[test]
fn python_multiprocessing_primitives_use_dev_shm() {
    // Locks and semaphores are sem_open() files in /dev/shm, mapped MAP_SHARED; Value and
    // Array live in an arena that is an unlinked /dev/shm file mapped MAP_SHARED. No process
    // is started (there is no fork yet).
    let script = "\
import multiprocessing as m, os, stat
l = m.Lock(); l.acquire(); print(l.acquire(False)); l.release()
s = m.Semaphore(3); s.acquire(); print(s.get_value())
v = m.Value('i', 41); v.value += 1; print(v.value)
a = m.Array('d', [1.5, 2.5]); a[0] *= 4; print(list(a))
st = os.stat('/dev/shm'); print(stat.S_ISDIR(st.st_mode), oct(st.st_mode & 0o7777))
";
    require_tool("/usr/bin/python3", "python3");
    let (vm, _) = same_as_native(&Guest::new("/usr/bin/python3").args(["-c", script]));
    vm.expect_status(0)
        .expect_stdout("False\n2\n42\n[6.0, 2.5]\nTrue 0o1777\n");
}
