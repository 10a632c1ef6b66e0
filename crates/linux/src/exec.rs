//! Starting the program: the ELF is mapped (file-backed, private, demand-paged: only the pages
//! the program touches are ever copied), the stack is built as Linux builds it, and the break
//! starts after the highest segment. Static programs (non-PIE, static-PIE, musl) today; dynamic
//! ones, with their interpreter, in issue 3.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use osprey_abi::Errno;
use osprey_elf::{AuxValues, ElfInfo};
use osprey_mm::{Backing, FileId, MappedFile};
use osprey_vfs::{Inode, OpenFile};

use crate::process::Process;
use crate::syscall::Ctx;

/// Top of the initial stack (Linux without ASLR: the stack VMA ends at 0x7ffffffff000).
pub const STACK_TOP: u64 = 0x7fff_ffff_f000;
/// The stack reservation (RLIMIT_STACK's default; pages appear as they are touched).
pub const STACK_SIZE: u64 = 8 << 20;

/// A file the memory manager can fault pages in from.
pub struct InodeFile {
    inode: Arc<dyn Inode>,
    path: Vec<u8>,
    /// Opened for writing without O_APPEND: a shared mapping may be writable.
    writable: bool,
}

impl InodeFile {
    pub fn new(file: &OpenFile) -> Arc<InodeFile> {
        Arc::new(InodeFile {
            inode: file.inode().clone(),
            path: file.path(),
            writable: file.writable() && file.flags() & osprey_abi::fcntl::O_APPEND == 0,
        })
    }
}

/// How /proc/self/maps (and so osprey-mm) identifies the file behind `md`.
pub fn file_id_of(md: &osprey_vfs::Metadata) -> (u32, u32, u64) {
    (
        ((md.dev >> 8) & 0xfff) as u32,
        ((md.dev & 0xff) | ((md.dev >> 12) & !0xff)) as u32,
        md.ino,
    )
}

/// After `inode` shrank (truncate, ftruncate, open with O_TRUNC): the pages of its shared
/// mappings past the new end go, so touching them is SIGBUS as on Linux.
pub fn file_truncated(p: &Process, inode: &Arc<dyn Inode>) {
    if !inode.shares_pages() {
        return;
    }
    let md = inode.metadata();
    let (major, minor, ino) = file_id_of(&md);
    let mut mm = p.mm.lock();
    let (space, pt) = mm.parts();
    space.file_truncated(
        pt,
        |id| id.dev_major == major && id.dev_minor == minor && id.ino == ino,
        md.size,
    );
}

impl MappedFile for InodeFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        self.inode.read_at(offset, buf)
    }

    fn id(&self) -> FileId {
        let (dev_major, dev_minor, ino) = file_id_of(&self.inode.metadata());
        FileId {
            dev_major,
            dev_minor,
            ino,
            path: String::from_utf8_lossy(&self.path).into_owned(),
        }
    }

    fn shares_pages(&self) -> bool {
        self.inode.shares_pages()
    }

    fn shared_page(&self, offset: u64) -> Result<osprey_mm::SharedPage, Errno> {
        Ok(self.inode.shared_page(offset)?.as_any_arc())
    }

    fn opened_for_write(&self) -> bool {
        self.writable
    }
}

/// Where the program starts.
pub struct Entry {
    pub rip: u64,
    pub rsp: u64,
}

/// Reads a whole file.
fn read_all(inode: &Arc<dyn Inode>) -> Result<Vec<u8>, Errno> {
    let size = inode.metadata().size as usize;
    let mut data = alloc::vec![0u8; size];
    let mut done = 0;
    while done < size {
        let n = inode.read_at(done as u64, &mut data[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    data.truncate(done);
    Ok(data)
}

/// Maps the executable's segments at `bias`.
fn map_segments(
    p: &Process,
    info: &ElfInfo,
    file: &Arc<InodeFile>,
    bias: u64,
) -> Result<(), Errno> {
    use osprey_mm::flags::{MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE};
    let mut mm = p.mm.lock();
    let (space, pt) = mm.parts();
    for seg in info.mappings(bias) {
        if seg.file_end > seg.start {
            let zero_from = seg.file_offset + (seg.zero_start - seg.start);
            let backing = Backing::file_zero_from(file.clone(), seg.file_offset, zero_from);
            space.mmap(
                pt,
                seg.start,
                seg.file_end - seg.start,
                seg.prot,
                MAP_FIXED | MAP_PRIVATE,
                backing,
            )?;
        }
        if let Some((s, e)) = seg.anon_range() {
            space.mmap(
                pt,
                s,
                e - s,
                seg.prot,
                MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
                Backing::Anonymous,
            )?;
        }
    }
    Ok(())
}

/// An ELF file opened for loading: its bytes (in place when they are in the boot image) and
/// the parsed headers.
struct Image {
    file: Arc<OpenFile>,
    info: ElfInfo,
}

/// Opens and validates the ELF file at `path`.
fn open_image(cx: &Ctx, path: &[u8]) -> Result<Image, Errno> {
    let p = cx.p;
    let cwd = p.fs.lock().cwd.clone();
    let dentry = p.vfs.resolve(&cwd, path, true)?;
    let file = OpenFile::new(dentry, osprey_abi::fcntl::O_RDONLY)?;
    if !file.metadata().is_regular() {
        return Err(Errno::EACCES);
    }
    // ELF headers are read in place, which needs 8-byte alignment (the host page-aligns big
    // files in the boot image); anything else (written at run time, misaligned) is copied.
    let copied;
    let data: &[u8] = match file.inode().static_contents() {
        Some(d) if d.as_ptr() as usize % 8 == 0 => d,
        _ => {
            log::debug!(
                "exec: copying {} to parse it",
                String::from_utf8_lossy(path)
            );
            copied = read_all(file.inode())?;
            &copied
        }
    };
    let info = osprey_elf::parse(data).map_err(|e| {
        log::error!("{}: {e}", String::from_utf8_lossy(path));
        Errno::ENOEXEC
    })?;
    Ok(Image { file, info })
}

/// Maps the vDSO image (a top-down address, like Linux's below the stack), if the machine
/// has vDSO functions. Returns its address for AT_SYSINFO_EHDR.
fn map_vdso(
    space: &mut osprey_mm::AddressSpace,
    pt: &mut (dyn osprey_mm::PageTable + Send),
    syms: &[(&'static str, u64)],
) -> Result<Option<u64>, Errno> {
    use osprey_mm::flags::{MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ};
    if syms.is_empty() {
        return Ok(None);
    }
    let len = 4096;
    let at = space.mmap(
        pt,
        0,
        len,
        PROT_READ,
        MAP_PRIVATE | MAP_ANONYMOUS,
        Backing::Anonymous,
    )?;
    let img = crate::vdso::image(at, syms);
    if img.len() as u64 > len {
        return Err(Errno::ENOMEM);
    }
    space.map_special(
        pt,
        at,
        len,
        osprey_mm::Perm::READ | osprey_mm::Perm::EXEC,
        "[vdso]",
        &img,
    )?;
    Ok(Some(at))
}

/// Picks where an ET_DYN interpreter goes: a free range found by the top-down search, as
/// Linux places ld.so below the mmap base.
fn interp_bias(p: &Process, info: &ElfInfo) -> Result<u64, Errno> {
    use osprey_mm::flags::{MAP_ANONYMOUS, MAP_PRIVATE, PROT_NONE};
    let mut mm = p.mm.lock();
    let (space, pt) = mm.parts();
    // Reserve the whole span (aligned as the image needs), then the segments replace it.
    let align = info.max_align();
    let len = info.span() + align;
    let at = space.mmap(
        pt,
        0,
        len,
        PROT_NONE,
        MAP_PRIVATE | MAP_ANONYMOUS,
        Backing::Anonymous,
    )?;
    let start = (at + align - 1) & !(align - 1);
    space.munmap(pt, at, len)?;
    Ok(start - info.low())
}

/// Loads the program at `path` (and its interpreter, for a dynamic program) into the (empty)
/// process and builds its stack.
pub fn load(cx: &Ctx, path: &[u8], argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<Entry, Errno> {
    let p = cx.p;
    let exe = open_image(cx, path)?;
    cx.m.milestone("exec: elf parsed");
    let info = &exe.info;
    let bias = info.default_bias();
    map_segments(p, info, &InodeFile::new(&exe.file), bias)?;
    // A dynamic program starts in its interpreter (ld.so), which maps the libraries.
    let (entry, interp_base) = match &info.interp {
        Some(interp_path) => {
            let interp = open_image(cx, interp_path).inspect_err(|e| {
                log::error!(
                    "{}: its interpreter {} cannot be loaded: {e}",
                    String::from_utf8_lossy(path),
                    String::from_utf8_lossy(interp_path)
                );
            })?;
            if interp.info.interp.is_some() || !interp.info.is_pie() {
                return Err(Errno::ELIBBAD);
            }
            let ibias = interp_bias(p, &interp.info)?;
            map_segments(p, &interp.info, &InodeFile::new(&interp.file), ibias)?;
            (interp.info.entry_at(ibias), ibias + interp.info.low())
        }
        None => (info.entry_at(bias), 0),
    };
    let vdso_syms = cx.m.vdso_symbols();
    let vdso = {
        let mut mm = p.mm.lock();
        let (space, pt) = mm.parts();
        space.init_brk(info.brk_start(bias));
        space.map_stack(pt, STACK_TOP, STACK_SIZE)?;
        map_vdso(space, pt, &vdso_syms)?
    };
    cx.m.milestone("exec: mapped");
    let (hwcap, hwcap2) = cx.m.hwcap();
    let mut aux = AuxValues::for_program(info, bias, interp_base);
    aux.hwcap = hwcap;
    aux.hwcap2 = hwcap2;
    aux.sysinfo_ehdr = vdso;
    let mut random = [0u8; 16];
    cx.m.random(&mut random);
    let argv_refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    let envp_refs: Vec<&[u8]> = envp.iter().map(|a| a.as_slice()).collect();
    let stack = osprey_elf::build_stack(STACK_TOP, &argv_refs, &envp_refs, path, random, &aux)?;
    // The stack pages fault in as the copy touches them: the mm lock is not held here.
    cx.m.copy_to_user(stack.rsp, &stack.bytes)?;
    *p.auxv.lock() = stack.auxv.clone();
    *p.exe_bias.lock() = bias;
    Ok(Entry {
        rip: entry,
        rsp: stack.rsp,
    })
}
