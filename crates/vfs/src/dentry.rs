//! Dentries: a resolved location in the mounted tree (an inode plus the name and parent it was
//! reached through).
//!
//! An inode alone does not know where it is: a file may have several names and a mounted
//! root does not know its mount point. The path walker therefore hands out `Dentry` chains.
//! `..` follows the chain (which crosses mount points for free, because the dentry of a mounted
//! root has the mount point's parent as its parent), and `getcwd`, `/proc/self/fd/N` and
//! `/proc/self/maps` print the chain.
//!
//! Dentries are immutable snapshots: if a directory above is renamed later, an existing chain
//! keeps printing the old name (Linux would print the new one). Lookups through it stay correct
//! because they use the inodes.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::inode::Inode;

/// A location: inode, the name it was found under and the directory it was found in.
pub struct Dentry {
    name: Vec<u8>,
    inode: Arc<dyn Inode>,
    parent: Option<Arc<Dentry>>,
    /// An object with no place in the tree (pipe, socket, memfd): `name` is its display name.
    anonymous: bool,
}

impl Dentry {
    /// The dentry of a tree's root (`/`).
    pub fn root(inode: Arc<dyn Inode>) -> Arc<Dentry> {
        Arc::new(Dentry {
            name: Vec::new(),
            inode,
            parent: None,
            anonymous: false,
        })
    }

    /// An object outside the tree, shown as `name` (Linux style: `pipe:[1234]`,
    /// `anon_inode:[eventfd]`, `/memfd:x (deleted)`).
    pub fn anonymous(inode: Arc<dyn Inode>, name: &[u8]) -> Arc<Dentry> {
        Arc::new(Dentry {
            name: name.to_vec(),
            inode,
            parent: None,
            anonymous: true,
        })
    }

    /// The child `name` of `parent`, standing for `inode`.
    pub fn child(parent: &Arc<Dentry>, name: &[u8], inode: Arc<dyn Inode>) -> Arc<Dentry> {
        Arc::new(Dentry {
            name: name.to_vec(),
            inode,
            parent: Some(parent.clone()),
            anonymous: false,
        })
    }

    /// The inode at this location.
    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.inode
    }

    /// The last path component (empty for the root).
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The containing directory; `None` for the root and for anonymous objects.
    pub fn parent(&self) -> Option<&Arc<Dentry>> {
        self.parent.as_ref()
    }

    /// Whether this is an object outside the tree.
    pub fn is_anonymous(&self) -> bool {
        self.anonymous
    }

    /// The absolute path (`getcwd`, `/proc/self/fd/N`): `/` for the root, the display name for
    /// anonymous objects.
    pub fn path(&self) -> Vec<u8> {
        if self.anonymous {
            return self.name.clone();
        }
        let mut parts: Vec<&[u8]> = Vec::new();
        let mut prefix: &[u8] = b"";
        let mut cur = Some(self);
        while let Some(d) = cur {
            if d.anonymous {
                // A location below an anonymous object prints relative to its display name.
                prefix = &d.name;
                break;
            }
            if d.parent.is_some() {
                parts.push(&d.name);
            }
            cur = d.parent.as_deref();
        }
        let mut out = prefix.to_vec();
        for p in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(p);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        out
    }

    /// [`Dentry::path`] plus Linux's ` (deleted)` suffix when a non-directory has no links
    /// left, as `/proc/self/fd` and `/proc/self/maps` show it.
    pub fn display_path(&self) -> Vec<u8> {
        let mut p = self.path();
        if !self.anonymous {
            let m = self.inode.metadata();
            if m.nlink == 0 {
                p.extend_from_slice(b" (deleted)");
            }
        }
        p
    }
}

impl Drop for Dentry {
    /// Unwinds long parent chains iteratively so dropping a deep location cannot overflow the
    /// kernel stack.
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(p) = next {
            match Arc::into_inner(p) {
                Some(mut d) => next = d.parent.take(),
                None => break,
            }
        }
    }
}

impl core::fmt::Debug for Dentry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Dentry({:?})",
            alloc::string::String::from_utf8_lossy(&self.path())
        )
    }
}
