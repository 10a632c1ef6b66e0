//! Path resolution (path_resolution(7)): absolute and relative paths, `.` and `..` (never above
//! the root, across mount points through the dentry chain), symlinks (relative to the link's
//! directory, absolute from the root, at most 40 per resolution, then ELOOP), /proc magic
//! links, ENOTDIR for a non-directory in the middle, ENAMETOOLONG, and trailing slashes (the
//! result must be a directory; a trailing slash makes the last symlink followed).
//!
//! The walk is a loop over a stack of pending components, never recursion, so a symlink chain
//! cannot deepen the kernel stack.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::consts::{MAX_SYMLINKS, NAME_MAX, PATH_MAX};
use crate::dentry::Dentry;
use crate::inode::Inode;
use crate::vfs::Vfs;
use crate::{Errno, Result};

/// What the last component of a path is, for the calls that operate on a name in a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastKind {
    /// An ordinary name.
    Normal,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// The path is `/` (or only slashes).
    Root,
}

/// The directory a path's last component lives in, and that component.
#[derive(Debug)]
pub struct ParentLookup {
    /// The resolved directory.
    pub dir: Arc<Dentry>,
    /// The last component (empty for [`LastKind::Root`]).
    pub name: Vec<u8>,
    /// Its kind.
    pub kind: LastKind,
    /// Whether the path ended with `/`.
    pub trailing_slash: bool,
}

/// Checks the whole-path limits: empty is ENOENT, `PATH_MAX` or longer is ENAMETOOLONG.
pub(crate) fn check_path(path: &[u8]) -> Result<()> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

/// The components of `path` in reverse order (so `pop` yields them front to back).
fn components_rev(path: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
        if c.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        out.push(c.to_vec());
    }
    out.reverse();
    Ok(out)
}

/// A path walk's shared state: the number of symlinks followed so far.
pub(crate) struct LinkBudget(usize);

impl LinkBudget {
    pub(crate) fn new() -> Self {
        LinkBudget(0)
    }

    /// Counts one more symlink; ELOOP past [`MAX_SYMLINKS`].
    pub(crate) fn take(&mut self) -> Result<()> {
        self.0 += 1;
        if self.0 > MAX_SYMLINKS {
            Err(Errno::ELOOP)
        } else {
            Ok(())
        }
    }
}

impl Vfs {
    /// Resolves `path` relative to `base` (ignored for absolute paths). `follow`: whether a
    /// symlink in the last component is followed (false for lstat, readlink, O_NOFOLLOW).
    /// An empty path is ENOENT; see [`Vfs::resolve_empty`] for `AT_EMPTY_PATH`.
    pub fn resolve(&self, base: &Arc<Dentry>, path: &[u8], follow: bool) -> Result<Arc<Dentry>> {
        self.walk(base, path, follow, &mut LinkBudget::new())
    }

    /// Like [`Vfs::resolve`], but an empty path resolves to `base` itself (`AT_EMPTY_PATH`).
    pub fn resolve_empty(
        &self,
        base: &Arc<Dentry>,
        path: &[u8],
        follow: bool,
    ) -> Result<Arc<Dentry>> {
        if path.is_empty() {
            return Ok(base.clone());
        }
        self.resolve(base, path, follow)
    }

    /// The looked-up inode with mounts applied.
    pub(crate) fn lookup_child(&self, dir: &Arc<Dentry>, name: &[u8]) -> Result<Arc<dyn Inode>> {
        let child = dir.inode().lookup(name)?;
        Ok(self.mounts.cross(child))
    }

    /// `..` of a location: its parent, or itself at the root.
    fn dotdot(d: &Arc<Dentry>) -> Arc<Dentry> {
        d.parent().cloned().unwrap_or_else(|| d.clone())
    }

    pub(crate) fn walk(
        &self,
        base: &Arc<Dentry>,
        path: &[u8],
        follow_last: bool,
        links: &mut LinkBudget,
    ) -> Result<Arc<Dentry>> {
        check_path(path)?;
        let mut cur = if path[0] == b'/' {
            self.root()
        } else {
            base.clone()
        };
        let mut pending = components_rev(path)?;
        let mut must_dir = path.ends_with(b"/");
        while let Some(name) = pending.pop() {
            let last = pending.is_empty();
            if !cur.inode().metadata().is_dir() {
                return Err(Errno::ENOTDIR);
            }
            match name.as_slice() {
                b"." => continue,
                b".." => {
                    cur = Self::dotdot(&cur);
                    continue;
                }
                _ => {}
            }
            let child = self.lookup_child(&cur, &name)?;
            let is_link = child.metadata().is_symlink();
            if is_link && (!last || follow_last || must_dir) {
                links.take()?;
                if let Some(jump) = child.magic_link() {
                    cur = jump?;
                    continue;
                }
                let target = child.readlink()?;
                if target.is_empty() {
                    return Err(Errno::ENOENT);
                }
                if target[0] == b'/' {
                    cur = self.root();
                }
                if last && target.ends_with(b"/") {
                    must_dir = true;
                }
                let more = components_rev(&target)?;
                if pending.len() + more.len() > PATH_MAX {
                    return Err(Errno::ENAMETOOLONG);
                }
                // Both are reversed stacks: the target goes on top so it is walked next.
                pending.extend(more);
                continue;
            }
            cur = Dentry::child(&cur, &name, child);
        }
        if must_dir && !cur.inode().metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(cur)
    }

    /// Resolves everything but the last component of `path` (which must then be a directory)
    /// and returns that last component, for create/unlink/rename-style calls. The last
    /// component is not looked up.
    pub fn resolve_parent(&self, base: &Arc<Dentry>, path: &[u8]) -> Result<ParentLookup> {
        self.walk_parent(base, path, &mut LinkBudget::new())
    }

    pub(crate) fn walk_parent(
        &self,
        base: &Arc<Dentry>,
        path: &[u8],
        links: &mut LinkBudget,
    ) -> Result<ParentLookup> {
        check_path(path)?;
        let trimmed_len = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        let trailing_slash = trimmed_len < path.len();
        let trimmed = &path[..trimmed_len];
        if trimmed.is_empty() {
            return Ok(ParentLookup {
                dir: self.root(),
                name: Vec::new(),
                kind: LastKind::Root,
                trailing_slash,
            });
        }
        let (dir_part, name) = match trimmed.iter().rposition(|&b| b == b'/') {
            Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
            None => (&b""[..], trimmed),
        };
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let dir = if dir_part.is_empty() {
            base.clone()
        } else {
            self.walk(base, dir_part, true, links)?
        };
        if !dir.inode().metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let kind = match name {
            b"." => LastKind::Dot,
            b".." => LastKind::DotDot,
            _ => LastKind::Normal,
        };
        Ok(ParentLookup {
            dir,
            name: name.to_vec(),
            kind,
            trailing_slash,
        })
    }
}
