use super::*;

fn file(e: &Env) -> Arc<OpenFile> {
    e.open("/dev/null", O_RDWR).unwrap()
}

#[test]
fn lowest_free_and_close() {
    let e = env();
    let t = FdTable::new();
    assert_eq!(t.insert(file(&e), false).unwrap(), 0);
    assert_eq!(t.insert(file(&e), false).unwrap(), 1);
    assert_eq!(t.insert(file(&e), true).unwrap(), 2);
    t.close(1).unwrap();
    assert_eq!(t.close(1).unwrap_err(), Errno::EBADF);
    assert_eq!(t.close(-1).unwrap_err(), Errno::EBADF);
    assert_eq!(t.insert(file(&e), false).unwrap(), 1);
    assert_eq!(t.count(), 3);
    assert_eq!(
        t.list().iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
}

#[test]
fn dup_family() {
    let e = env();
    let t = FdTable::new();
    let a = t.insert(file(&e), true).unwrap();
    // dup clears close-on-exec.
    let b = t.dup(a).unwrap();
    assert_eq!(b, 1);
    assert!(t.cloexec(a).unwrap());
    assert!(!t.cloexec(b).unwrap());
    assert!(Arc::ptr_eq(&t.get(a).unwrap(), &t.get(b).unwrap()));
    // dup2 onto itself checks validity only.
    assert_eq!(t.dup2(a, a).unwrap(), a);
    assert_eq!(t.dup2(7, 7).unwrap_err(), Errno::EBADF);
    assert_eq!(t.dup3(a, a, false).unwrap_err(), Errno::EINVAL);
    // dup2 onto a high number, replacing nothing; then replacing.
    assert_eq!(t.dup2(a, 10).unwrap(), 10);
    assert_eq!(t.dup3(b, 10, true).unwrap(), 10);
    assert!(t.cloexec(10).unwrap());
    assert_eq!(t.dup2(a, 5000).unwrap_err(), Errno::EBADF);
    assert_eq!(t.dup2(a, -1).unwrap_err(), Errno::EBADF);
    assert_eq!(t.dup2(99, 3).unwrap_err(), Errno::EBADF);
    // F_DUPFD / F_DUPFD_CLOEXEC.
    assert_eq!(t.dup_from(a, 10, false).unwrap(), 11);
    assert_eq!(t.dup_from(a, 3, true).unwrap(), 3);
    assert!(t.cloexec(3).unwrap());
    assert_eq!(t.dup_from(a, -1, false).unwrap_err(), Errno::EINVAL);
    assert_eq!(t.dup_from(a, 1024, false).unwrap_err(), Errno::EINVAL);
    t.set_cloexec(11, true).unwrap();
    assert_eq!(t.set_cloexec(12, true).unwrap_err(), Errno::EBADF);
    // exec closes the close-on-exec ones.
    let closed = t.close_on_exec();
    assert_eq!(closed.len(), 4);
    assert_eq!(t.list().iter().map(|x| x.0).collect::<Vec<_>>(), vec![1]);
}

#[test]
fn emfile_and_limits() {
    let e = env();
    let t = FdTable::new();
    t.set_limit(5).unwrap();
    for i in 0..5 {
        assert_eq!(t.insert(file(&e), false).unwrap(), i);
    }
    assert_eq!(t.insert(file(&e), false).unwrap_err(), Errno::EMFILE);
    assert_eq!(t.dup(0).unwrap_err(), Errno::EMFILE);
    assert_eq!(t.dup_from(0, 4, false).unwrap_err(), Errno::EMFILE);
    assert_eq!(t.set_limit(usize::MAX).unwrap_err(), Errno::EPERM);
    assert_eq!(FdTable::new().limit(), 1024);
    // fork shares descriptions, not the table.
    let child = t.fork();
    child.close(0).unwrap();
    assert!(t.get(0).is_ok());
    assert_eq!(t.close_range(1, 3, false).unwrap().len(), 3);
    assert_eq!(t.close_range(3, 1, false).unwrap_err(), Errno::EINVAL);
    t.close_range(0, u32::MAX, true).unwrap();
    assert!(t.cloexec(4).unwrap());
    assert_eq!(t.clear().len(), 2);
}
