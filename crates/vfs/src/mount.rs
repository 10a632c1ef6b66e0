//! The mount table: which directory inode is covered by which file system root.
//!
//! Mount points are identified by `(dev, ino)` of the covered directory, so every file-system
//! instance needs its own device number ([`crate::alloc_dev`]). The path walker calls
//! [`MountTable::cross`] on every inode it looks up, which replaces a covered directory by
//! the root mounted on it (repeatedly, for stacked mounts).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::RwLock;

use crate::inode::Inode;

/// One mount as `/proc/self/mounts` lists it.
#[derive(Clone)]
pub struct MountInfo {
    /// Absolute path of the mount point.
    pub path: Vec<u8>,
    /// File-system type (`ramfs`, `devtmpfs`, `proc`, ...).
    pub fstype: String,
    /// Source field (`none`, `tmpfs`, ...).
    pub source: String,
    /// Root of the mounted file system.
    pub root: Arc<dyn Inode>,
}

struct Mount {
    /// `(dev, ino)` of the covered directory.
    key: (u64, u64),
    info: MountInfo,
}

/// All mounts except the root file system.
#[derive(Default)]
pub struct MountTable {
    mounts: RwLock<Vec<Mount>>,
}

impl MountTable {
    /// Adds a mount covering the directory `point`.
    pub(crate) fn add(&self, point: &Arc<dyn Inode>, info: MountInfo) {
        let m = point.metadata();
        self.mounts.write().push(Mount {
            key: (m.dev, m.ino),
            info,
        });
    }

    /// Removes the most recent mount whose root is `root`; false if none.
    pub(crate) fn remove_root(&self, root: &Arc<dyn Inode>) -> bool {
        let m = root.metadata();
        let mut t = self.mounts.write();
        let pos = t.iter().rposition(|x| {
            let r = x.info.root.metadata();
            (r.dev, r.ino) == (m.dev, m.ino)
        });
        match pos {
            Some(i) => {
                t.remove(i);
                true
            }
            None => false,
        }
    }

    /// The inode to use for `inode` after mounts: the root mounted on it, if any.
    pub fn cross(&self, inode: Arc<dyn Inode>) -> Arc<dyn Inode> {
        let t = self.mounts.read();
        if t.is_empty() {
            return inode;
        }
        let mut cur = inode;
        // Bounded so a file system mounted on its own root cannot loop forever.
        for _ in 0..=t.len() {
            let m = cur.metadata();
            // The newest mount on a point wins, as on Linux.
            match t.iter().rev().find(|x| x.key == (m.dev, m.ino)) {
                Some(x) => cur = x.info.root.clone(),
                None => break,
            }
        }
        cur
    }

    /// Whether `inode` is a mounted root or a covered directory (rmdir/rename: EBUSY).
    pub fn is_busy(&self, inode: &Arc<dyn Inode>) -> bool {
        let m = inode.metadata();
        self.mounts.read().iter().any(|x| {
            let r = x.info.root.metadata();
            x.key == (m.dev, m.ino) || (r.dev, r.ino) == (m.dev, m.ino)
        })
    }

    /// A snapshot of the table in mount order.
    pub fn list(&self) -> Vec<MountInfo> {
        self.mounts.read().iter().map(|m| m.info.clone()).collect()
    }
}
