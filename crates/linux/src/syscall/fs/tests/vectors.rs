//! readv, writev, preadv, pwritev.

use super::*;
use osprey_abi::Iovec;

/// An iovec array in app memory.
fn iov(e: &TestEnv, v: &[(u64, u64)]) -> UserPtr<Iovec> {
    let bytes: Vec<u8> = v
        .iter()
        .flat_map(|&(b, l)| [b.to_le_bytes(), l.to_le_bytes()])
        .flatten()
        .collect();
    UserPtr::new(e.m.alloc_bytes(&bytes))
}

#[test]
fn writev_and_readv_several_segments() {
    let e = env();
    let cx = e.cx();
    let fd = open(&cx, &e, "/tmp/v", O_CREAT | O_RDWR, 0o644).unwrap();
    let a = e.m.alloc_bytes(b"hello ");
    let b = e.m.alloc_bytes(b"vectored ");
    let c = e.m.alloc_bytes(b"world");
    let v = iov(&e, &[(a, 6), (0, 0), (b, 9), (c, 5)]);
    assert_eq!(rwv::sys_writev(&cx, fd, v, 4), Ok(20));
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, SEEK_CUR as u32), Ok(20));
    lseek::sys_lseek(&cx, fd, 0, SEEK_SET as u32).unwrap();
    let x = e.m.alloc(3);
    let y = e.m.alloc(100);
    let v = iov(&e, &[(x, 3), (y, 100)]);
    assert_eq!(rwv::sys_readv(&cx, fd, v, 2), Ok(20));
    assert_eq!(e.m.peek(x, 3), b"hel");
    assert_eq!(e.m.peek(y, 17), b"lo vectored world");
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, SEEK_CUR as u32), Ok(20));
    // To the console: one write.
    let v = iov(&e, &[(a, 6), (c, 5)]);
    assert_eq!(rwv::sys_writev(&cx, 1, v, 2), Ok(11));
    assert_eq!(e.m.stdout_text(), "hello world");
    // Zero segments.
    assert_eq!(rwv::sys_writev(&cx, fd, v, 0), Ok(0));
    assert_eq!(rwv::sys_readv(&cx, 1, v, 1), Err(Errno::EBADF));
}

#[test]
fn iovec_limits_and_faults() {
    let e = env();
    let cx = e.cx();
    let fd = open(&cx, &e, "/tmp/v", O_CREAT | O_RDWR, 0o644).unwrap();
    let a = e.m.alloc_bytes(b"abcd");
    let v = iov(&e, &[(a, 4)]);
    assert_eq!(rwv::sys_writev(&cx, fd, v, 1025), Err(Errno::EINVAL));
    assert_eq!(rwv::sys_writev(&cx, fd, v, u64::MAX), Err(Errno::EINVAL));
    assert_eq!(
        rwv::sys_writev(&cx, fd, UserPtr::new(HOLE), 1),
        Err(Errno::EFAULT)
    );
    let huge = iov(&e, &[(a, 4), (a, 1 << 63)]);
    assert_eq!(rwv::sys_writev(&cx, fd, huge, 2), Err(Errno::EINVAL));
    let kernel = iov(&e, &[(0xffff_8000_0000_0000, 4)]);
    assert_eq!(rwv::sys_writev(&cx, fd, kernel, 1), Err(Errno::EFAULT));
    // A bad second segment: the first one's bytes are written and counted.
    let part = iov(&e, &[(a, 4), (HOLE, 4)]);
    assert_eq!(rwv::sys_writev(&cx, fd, part, 2), Ok(4));
    assert_eq!(
        rwv::sys_writev(&cx, fd, iov(&e, &[(HOLE, 4)]), 1),
        Err(Errno::EFAULT)
    );
    assert_eq!(stat_of(&cx, &e, "/tmp/v").unwrap().st_size, 4);
    // Reading into a bad second segment: the offset moves only by what arrived.
    lseek::sys_lseek(&cx, fd, 0, SEEK_SET as u32).unwrap();
    let x = e.m.alloc(2);
    assert_eq!(
        rwv::sys_readv(&cx, fd, iov(&e, &[(x, 2), (HOLE, 2)]), 2),
        Ok(2)
    );
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, SEEK_CUR as u32), Ok(2));
    assert_eq!(
        rwv::sys_readv(&cx, fd, iov(&e, &[(HOLE, 2)]), 1),
        Err(Errno::EFAULT)
    );
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, SEEK_CUR as u32), Ok(2));
}

#[test]
fn preadv_pwritev_keep_the_offset() {
    let e = env();
    let cx = e.cx();
    make_file(&cx, &e, "/tmp/v", b"0123456789");
    let fd = open(&cx, &e, "/tmp/v", O_RDWR, 0).unwrap();
    let x = e.m.alloc(2);
    let y = e.m.alloc(2);
    assert_eq!(
        rwv::sys_preadv(&cx, fd, iov(&e, &[(x, 2), (y, 2)]), 2, 5),
        Ok(4)
    );
    assert_eq!(e.m.peek(x, 2), b"56");
    assert_eq!(e.m.peek(y, 2), b"78");
    assert_eq!(
        rwv::sys_preadv(&cx, fd, iov(&e, &[(x, 2), (y, 2)]), 2, 9),
        Ok(1)
    );
    assert_eq!(
        rwv::sys_preadv(&cx, fd, iov(&e, &[(x, 2)]), 1, -1),
        Err(Errno::EINVAL)
    );
    let a = e.m.alloc_bytes(b"AB");
    assert_eq!(
        rwv::sys_pwritev(&cx, fd, iov(&e, &[(a, 2), (a, 2)]), 2, 1),
        Ok(4)
    );
    assert_eq!(lseek::sys_lseek(&cx, fd, 0, SEEK_CUR as u32), Ok(0));
    assert_eq!(read(&cx, &e, fd, 100).unwrap(), b"0ABAB56789");
    let (r, _w) = {
        let a = e.m.alloc(8);
        pipe::sys_pipe(&cx, UserPtr::new(a)).unwrap();
        (e.m.peek_i32(a), e.m.peek_i32(a + 4))
    };
    assert_eq!(
        rwv::sys_preadv(&cx, r, iov(&e, &[(x, 2)]), 1, 0),
        Err(Errno::ESPIPE)
    );
}

#[test]
fn readv_from_a_pipe_stops_when_empty() {
    let e = env();
    let cx = e.cx();
    let a = e.m.alloc(8);
    pipe::sys_pipe(&cx, UserPtr::new(a)).unwrap();
    let (r, w) = (e.m.peek_i32(a), e.m.peek_i32(a + 4));
    write(&cx, &e, w, b"abcdef").unwrap();
    let x = e.m.alloc(4);
    let y = e.m.alloc(100);
    assert_eq!(
        rwv::sys_readv(&cx, r, iov(&e, &[(x, 4), (y, 100)]), 2),
        Ok(6)
    );
    assert_eq!(e.m.peek(y, 2), b"ef");
    let b = e.m.alloc_bytes(b"123");
    assert_eq!(
        rwv::sys_writev(&cx, w, iov(&e, &[(b, 3), (b, 3)]), 2),
        Ok(6)
    );
    assert_eq!(read(&cx, &e, r, 100).unwrap(), b"123123");
}
