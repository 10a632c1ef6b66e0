//! A fake page table for host tests: a map from page address to (permission, contents).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use osprey_abi::Errno;
use std::sync::Mutex;

use crate::flags::PAGE_SIZE;
use crate::{PageTable, Perm, SharedPage};

/// The page type the fake maps shared: what the tests' shared files hand out.
pub type FakeSharedPage = Mutex<[u8; 4096]>;

/// What a fake entry maps.
pub enum Frame {
    /// A frame the page table owns.
    Own(Box<[u8; 4096]>),
    /// A file's page, also held by the file.
    Shared(Arc<FakeSharedPage>),
}

impl Frame {
    fn get(&self, i: usize) -> u8 {
        match self {
            Frame::Own(b) => b[i],
            Frame::Shared(p) => p.lock().unwrap()[i],
        }
    }

    fn set(&mut self, i: usize, v: u8) {
        match self {
            Frame::Own(b) => b[i] = v,
            Frame::Shared(p) => p.lock().unwrap()[i] = v,
        }
    }

    pub fn is_shared(&self) -> bool {
        matches!(self, Frame::Shared(_))
    }
}

#[derive(Default)]
pub struct FakePt {
    pub pages: BTreeMap<u64, (Perm, Frame)>,
    /// Frames left; `None` = unlimited.
    pub frames_left: Option<u64>,
    pub calls: u64,
}

impl FakePt {
    fn take_frame(&mut self) -> Result<(), Errno> {
        match &mut self.frames_left {
            Some(0) => Err(Errno::ENOMEM),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }

    pub fn read(&self, va: u64) -> u8 {
        let page = va & !(PAGE_SIZE - 1);
        self.pages[&page].1.get((va - page) as usize)
    }

    pub fn write(&mut self, va: u64, b: u8) {
        let page = va & !(PAGE_SIZE - 1);
        self.pages
            .get_mut(&page)
            .unwrap()
            .1
            .set((va - page) as usize, b);
    }

    pub fn perm(&self, va: u64) -> Option<Perm> {
        self.pages.get(&(va & !(PAGE_SIZE - 1))).map(|p| p.0)
    }
}

impl PageTable for FakePt {
    fn map_zeroed(&mut self, va: u64, perm: Perm) -> Result<(), Errno> {
        self.calls += 1;
        assert_eq!(va % PAGE_SIZE, 0);
        assert!(!self.pages.contains_key(&va), "double map at {va:#x}");
        self.take_frame()?;
        self.pages
            .insert(va, (perm, Frame::Own(Box::new([0; 4096]))));
        Ok(())
    }

    fn map_shared(&mut self, va: u64, perm: Perm, page: &SharedPage) -> Result<(), Errno> {
        self.calls += 1;
        assert_eq!(va % PAGE_SIZE, 0);
        assert!(!self.pages.contains_key(&va), "double map at {va:#x}");
        let page = page
            .clone()
            .downcast::<FakeSharedPage>()
            .map_err(|_| Errno::ENODEV)?;
        self.pages.insert(va, (perm, Frame::Shared(page)));
        Ok(())
    }

    fn map_with(&mut self, va: u64, perm: Perm, data: &[u8]) -> Result<(), Errno> {
        self.calls += 1;
        assert!(data.len() <= 4096);
        assert!(!self.pages.contains_key(&va), "double map at {va:#x}");
        self.take_frame()?;
        let mut page = Box::new([0; 4096]);
        page[..data.len()].copy_from_slice(data);
        self.pages.insert(va, (perm, Frame::Own(page)));
        Ok(())
    }

    fn is_mapped(&self, va: u64) -> bool {
        self.pages.contains_key(&va)
    }

    fn unmap_range(&mut self, start: u64, end: u64) -> u64 {
        self.calls += 1;
        assert!(start % PAGE_SIZE == 0 && end % PAGE_SIZE == 0 && start <= end);
        let keys: Vec<u64> = self.pages.range(start..end).map(|(&k, _)| k).collect();
        for k in &keys {
            let owned = !self.pages.remove(k).is_some_and(|(_, f)| f.is_shared());
            if let Some(n) = self.frames_left.as_mut().filter(|_| owned) {
                *n += 1;
            }
        }
        keys.len() as u64
    }

    fn protect_range(&mut self, start: u64, end: u64, perm: Perm) {
        self.calls += 1;
        for (_, p) in self.pages.range_mut(start..end) {
            p.0 = perm;
        }
    }

    fn move_range(&mut self, from: u64, to: u64, len: u64) {
        self.calls += 1;
        assert!(to >= from + len || from >= to + len, "overlapping move");
        assert!(
            self.pages.range(to..to + len).next().is_none(),
            "destination not empty"
        );
        let keys: Vec<u64> = self
            .pages
            .range(from..from + len)
            .map(|(&k, _)| k)
            .collect();
        for k in keys {
            let p = self.pages.remove(&k).unwrap();
            self.pages.insert(k - from + to, p);
        }
    }
}
