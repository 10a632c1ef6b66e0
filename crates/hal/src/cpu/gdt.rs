//! The GDT and TSS. The TSS matters only for its interrupt stack table: the app runs in ring 0,
//! so an interrupt does not switch stacks by itself and would write its frame over the app's
//! red zone. Every IDT vector therefore names an IST stack (see trap/).

use x86_64::instructions::segmentation::{Segment, CS, DS, ES, SS};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::VirtAddr;

/// IST slots (1-based in the IDT, 0-based in the TSS array).
pub const IST_DOUBLE_FAULT: u16 = 1;
pub const IST_NMI: u16 = 2;
pub const IST_MACHINE_CHECK: u16 = 3;
/// Every other exception and interrupt: the entry code leaves this stack at once.
pub const IST_ENTRY: u16 = 4;

const IST_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stack([u8; IST_SIZE]);

static mut IST_STACKS: [Stack; 4] = [const { Stack([0; IST_SIZE]) }; 4];

static TSS: spin::Once<TaskStateSegment> = spin::Once::new();
static GDT: spin::Once<Gdt> = spin::Once::new();

pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;

type Gdt = (
    GlobalDescriptorTable,
    SegmentSelector,
    SegmentSelector,
    SegmentSelector,
);

fn build_gdt(tss: &'static TaskStateSegment) -> Gdt {
    let mut gdt = GlobalDescriptorTable::new();
    let cs = gdt.append(Descriptor::kernel_code_segment());
    let ds = gdt.append(Descriptor::kernel_data_segment());
    let t = gdt.append(Descriptor::tss_segment(tss));
    (gdt, cs, ds, t)
}

fn load(gdt: &'static Gdt) {
    let (gdt, cs, ds, tss_sel) = gdt;
    assert_eq!(cs.0, KERNEL_CS);
    assert_eq!(ds.0, KERNEL_DS);
    gdt.load();
    // SAFETY: the selectors index the GDT just loaded, whose code and data descriptors match
    // the boot GDT's (and the AP trampoline's data selector); the TSS descriptor points at a
    // 'static TSS that no other CPU loads (a busy TSS cannot be loaded twice).
    unsafe {
        CS::set_reg(*cs);
        DS::set_reg(*ds);
        ES::set_reg(*ds);
        SS::set_reg(*ds);
        load_tss(*tss_sel);
    }
}

/// The boot CPU's GDT and TSS, with static IST stacks (this runs before the heap exists).
pub(crate) fn init() {
    let tss = TSS.call_once(|| {
        let mut tss = TaskStateSegment::new();
        for i in 0..4 {
            // SAFETY: taking the address of a static without creating a reference; the stacks
            // are used only by the boot CPU through its TSS.
            let base = unsafe { core::ptr::addr_of!(IST_STACKS[i]) } as u64;
            tss.interrupt_stack_table[i] = VirtAddr::new(base + IST_SIZE as u64);
        }
        tss
    });
    load(GDT.call_once(|| build_gdt(tss)));
}

/// An application processor's own GDT, TSS and IST stacks, from the heap (kept for good).
pub(crate) fn init_ap() {
    use alloc::boxed::Box;
    let mut tss = TaskStateSegment::new();
    for i in 0..4 {
        let stack: &'static mut Stack = Box::leak(Box::new(Stack([0; IST_SIZE])));
        let base = stack.0.as_ptr() as u64;
        tss.interrupt_stack_table[i] = VirtAddr::new(base + IST_SIZE as u64);
    }
    let tss: &'static TaskStateSegment = Box::leak(Box::new(tss));
    load(Box::leak(Box::new(build_gdt(tss))));
}
