//! pipe, pipe2 and the pipe object.

use super::*;
use osprey_abi::ioctl::FIONREAD;

fn pipe2(cx: &Ctx, e: &TestEnv, flags: u32) -> (i32, i32) {
    let a = e.m.alloc(8);
    pipe::sys_pipe2(cx, UserPtr::new(a), flags).unwrap();
    (e.m.peek_i32(a), e.m.peek_i32(a + 4))
}

#[test]
fn pipe_round_trip() {
    let e = env();
    let cx = e.cx();
    let (r, w) = pipe2(&cx, &e, 0);
    assert_eq!((r, w), (3, 4));
    assert_eq!(write(&cx, &e, w, b"hello"), Ok(5));
    let n = e.m.alloc(4);
    assert_eq!(ioctl::sys_ioctl(&cx, r, FIONREAD, n), Ok(0));
    assert_eq!(e.m.peek_i32(n), 5);
    assert_eq!(read(&cx, &e, r, 3).unwrap(), b"hel");
    assert_eq!(read(&cx, &e, r, 100).unwrap(), b"lo");
    // Empty with a live writer: the read blocks until data, end of file or a signal; here a
    // signal is already pending for the thread, so it ends with EINTR.
    e.t.signal_hint
        .store(true, core::sync::atomic::Ordering::Release);
    assert_eq!(read(&cx, &e, r, 1), Err(Errno::EINTR));
    e.t.signal_hint
        .store(false, core::sync::atomic::Ordering::Release);
    assert_eq!(read(&cx, &e, w, 1), Err(Errno::EBADF));
    assert_eq!(write(&cx, &e, r, b"x"), Err(Errno::EBADF));
    let st = fstat_of(&cx, &e, r).unwrap();
    assert_eq!(st.st_mode, S_IFIFO | 0o600);
    assert_eq!(fstat_of(&cx, &e, w).unwrap().st_ino, st.st_ino);
    assert_eq!(
        lseek::sys_lseek(&cx, r, 0, SEEK_CUR as u32),
        Err(Errno::ESPIPE)
    );
    let b = e.m.alloc(8);
    assert_eq!(
        rw::sys_pread64(&cx, r, UserPtr::new(b), 1, 0),
        Err(Errno::ESPIPE)
    );
    assert_eq!(sync::sys_fsync(&cx, r), Err(Errno::EINVAL));
    // The last writer goes: the rest of the data, then end of file.
    write(&cx, &e, w, b"bye").unwrap();
    let w2 = dup::sys_dup(&cx, w).unwrap() as i32;
    close::sys_close(&cx, w).unwrap();
    assert_eq!(read(&cx, &e, r, 2).unwrap(), b"by");
    close::sys_close(&cx, w2).unwrap();
    assert_eq!(read(&cx, &e, r, 100).unwrap(), b"e");
    assert_eq!(read(&cx, &e, r, 100).unwrap(), b"");
}

#[test]
fn pipe_without_reader_and_nonblocking() {
    let e = env();
    let cx = e.cx();
    let (r, w) = pipe2(&cx, &e, O_NONBLOCK | O_CLOEXEC);
    assert_eq!(fcntl::sys_fcntl(&cx, r, F_GETFD, 0), Ok(1));
    assert_eq!(
        fcntl::sys_fcntl(&cx, w, F_GETFL, 0).unwrap() as u32 & (O_ACCMODE | O_NONBLOCK),
        O_WRONLY | O_NONBLOCK
    );
    assert_eq!(read(&cx, &e, r, 1), Err(Errno::EAGAIN));
    assert_eq!(fcntl::sys_fcntl(&cx, r, F_GETPIPE_SZ, 0), Ok(65536));
    assert_eq!(fcntl::sys_fcntl(&cx, w, F_SETPIPE_SZ, 5000), Ok(8192));
    assert_eq!(fcntl::sys_fcntl(&cx, r, F_GETPIPE_SZ, 0), Ok(8192));
    // Fill it: a big write is partial, then EAGAIN.
    let big = alloc::vec![7u8; 10000];
    assert_eq!(write(&cx, &e, w, &big), Ok(8192));
    assert_eq!(write(&cx, &e, w, b"x"), Err(Errno::EAGAIN));
    assert_eq!(
        fcntl::sys_fcntl(&cx, w, F_SETPIPE_SZ, 4096),
        Err(Errno::EBUSY)
    );
    assert_eq!(read(&cx, &e, r, 8192).unwrap().len(), 8192);
    // Small writes are atomic: all or nothing.
    fcntl::sys_fcntl(&cx, w, F_SETPIPE_SZ, 4096).unwrap();
    assert_eq!(write(&cx, &e, w, &[1u8; 4000]), Ok(4000));
    assert_eq!(write(&cx, &e, w, &[1u8; 200]), Err(Errno::EAGAIN));
    close::sys_close(&cx, r).unwrap();
    assert_eq!(write(&cx, &e, w, b"x"), Err(Errno::EPIPE));
}

#[test]
fn pipe_argument_errors() {
    let e = env();
    let cx = e.cx();
    let a = e.m.alloc(8);
    assert_eq!(
        pipe::sys_pipe2(&cx, UserPtr::new(a), O_RDWR),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        pipe::sys_pipe2(&cx, UserPtr::new(a), O_TRUNC),
        Err(Errno::EINVAL)
    );
    // A bad pointer leaves no descriptors behind.
    assert_eq!(pipe::sys_pipe(&cx, UserPtr::new(HOLE)), Err(Errno::EFAULT));
    assert_eq!(cx.p.files.count(), 3);
    assert_eq!(pipe::sys_pipe(&cx, UserPtr::new(a)), Ok(0));
    assert_eq!((e.m.peek_i32(a), e.m.peek_i32(a + 4)), (3, 4));
}

#[test]
fn pipe_reopened_through_its_dentry() {
    let e = env();
    let cx = e.cx();
    let (r, w) = pipe2(&cx, &e, 0);
    // What opening /proc/self/fd/N does once the path walk jumped to the pipe's dentry: a new
    // description with a new end of the same pipe.
    let d = cx.p.files.get(w).unwrap().dentry().clone();
    let f = osprey_vfs::OpenFile::new(d, O_WRONLY).unwrap();
    let w2 = cx.p.files.insert(f, false).unwrap();
    close::sys_close(&cx, w).unwrap();
    write(&cx, &e, w2, b"again").unwrap();
    assert_eq!(read(&cx, &e, r, 100).unwrap(), b"again");
    close::sys_close(&cx, w2).unwrap();
    assert_eq!(read(&cx, &e, r, 100).unwrap(), b"");
    let d = cx.p.files.get(r).unwrap().dentry().clone();
    assert_eq!(
        d.path(),
        alloc::format!("pipe:[{}]", fstat_of(&cx, &e, r).unwrap().st_ino).into_bytes()
    );
}
