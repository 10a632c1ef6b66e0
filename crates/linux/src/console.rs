//! The app's standard streams: character devices over the machine's console (the host's own
//! stdin, stdout and stderr, carried by the serial frames). A stream is a terminal when the
//! host's is (the launch record says so), so `isatty()` answers as it would on the host; the
//! line discipline itself (echo, line editing) is the host terminal's.

use alloc::sync::Arc;

use osprey_abi::ioctl::*;
use osprey_abi::termios::{Termios, Winsize};
use osprey_abi::Errno;
use osprey_vfs::CharDevice;
use spin::Mutex;

use crate::machine::{Machine, Stream};
use crate::process::PID;
use crate::uaccess::UserPtr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    In,
    Out,
    Err,
}

pub struct Console {
    m: &'static dyn Machine,
    kind: Kind,
    tty: bool,
    termios: Mutex<Termios>,
    winsize: Mutex<Winsize>,
}

impl Console {
    pub fn new(m: &'static dyn Machine, kind: Kind, tty: bool) -> Arc<Console> {
        Arc::new(Console {
            m,
            kind,
            tty,
            termios: Mutex::new(Termios::linux_default()),
            winsize: Mutex::new(Winsize {
                ws_row: m.terminal_size().1,
                ws_col: m.terminal_size().0,
                ws_xpixel: 0,
                ws_ypixel: 0,
            }),
        })
    }
}

impl CharDevice for Console {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        match self.kind {
            Kind::In => self.m.console_read(buf, false),
            // Reading a terminal's output side reads its input, as on a real tty; a non-tty
            // stdout opened for reading has nothing to give.
            _ if self.tty => self.m.console_read(buf, false),
            _ => Err(Errno::EBADF),
        }
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let stream = match self.kind {
            Kind::Err => Stream::Stderr,
            // Writing to a terminal's input side shows on the terminal, as on Linux.
            _ => Stream::Stdout,
        };
        self.m.console_write(stream, buf);
        Ok(buf.len())
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> Result<usize, Errno> {
        let arg = arg as u64;
        if cmd == FIONREAD && self.kind == Kind::In {
            let n = self.m.console_pending() as i32;
            UserPtr::<i32>::new(arg).write(self.m, &n)?;
            return Ok(0);
        }
        if !self.tty {
            return Err(Errno::ENOTTY);
        }
        match cmd {
            TCGETS => {
                let t = *self.termios.lock();
                UserPtr::<Termios>::new(arg).write(self.m, &t)?;
                Ok(0)
            }
            TCSETS | TCSETSW | TCSETSF => {
                let t = UserPtr::<Termios>::new(arg).read(self.m)?;
                let changed = {
                    let mut cur = self.termios.lock();
                    let changed = *cur != t;
                    *cur = t;
                    changed
                };
                if changed {
                    use osprey_abi::IntoBytes;
                    self.m.console_set_termios(t.as_bytes());
                }
                Ok(0)
            }
            TIOCGWINSZ => {
                let w = *self.winsize.lock();
                UserPtr::<Winsize>::new(arg).write(self.m, &w)?;
                Ok(0)
            }
            TIOCSWINSZ => {
                let w = UserPtr::<Winsize>::new(arg).read(self.m)?;
                *self.winsize.lock() = w;
                Ok(0)
            }
            TIOCGPGRP | TIOCGSID => {
                UserPtr::<i32>::new(arg).write(self.m, &PID)?;
                Ok(0)
            }
            TIOCSPGRP => {
                let pg = UserPtr::<i32>::new(arg).read(self.m)?;
                if pg != PID {
                    return Err(Errno::EPERM);
                }
                Ok(0)
            }
            FIONREAD => {
                let n = self.m.console_pending() as i32;
                UserPtr::<i32>::new(arg).write(self.m, &n)?;
                Ok(0)
            }
            TCFLSH | TCSBRK | TCXONC | TIOCSCTTY | TIOCNOTTY => Ok(0),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn poll(&self, events: u16) -> u16 {
        const POLLIN: u16 = 0x1;
        const POLLOUT: u16 = 0x4;
        let mut r = 0;
        if self.kind == Kind::In && self.m.console_readable() {
            r |= POLLIN;
        }
        if self.kind != Kind::In {
            r |= POLLOUT;
        }
        r & events
    }
}
