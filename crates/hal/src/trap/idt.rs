//! The IDT: 256 interrupt gates pointing at the stubs in entry.S, each with an IST stack.

use core::mem::size_of;

use x86_64::instructions::tables::lidt;
use x86_64::structures::DescriptorTablePointer;
use x86_64::VirtAddr;

use crate::cpu::gdt;

#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    type_attr: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

static IDT: spin::Once<[Gate; 256]> = spin::Once::new();

extern "C" {
    static osprey_trap_stubs: u8;
}

pub(super) fn init() {
    let stubs = core::ptr::addr_of!(osprey_trap_stubs) as u64;
    let idt = IDT.call_once(|| {
        core::array::from_fn(|v| {
            let addr = stubs + 16 * v as u64;
            let ist = match v {
                2 => gdt::IST_NMI,
                8 => gdt::IST_DOUBLE_FAULT,
                18 => gdt::IST_MACHINE_CHECK,
                _ => gdt::IST_ENTRY,
            };
            Gate {
                offset_low: addr as u16,
                selector: gdt::KERNEL_CS,
                ist: ist as u8,
                type_attr: 0x8e, // present, DPL 0, 64-bit interrupt gate (clears IF)
                offset_mid: (addr >> 16) as u16,
                offset_high: (addr >> 32) as u32,
                reserved: 0,
            }
        })
    });
    let ptr = DescriptorTablePointer {
        limit: (size_of::<[Gate; 256]>() - 1) as u16,
        base: VirtAddr::new(idt.as_ptr() as u64),
    };
    // SAFETY: the IDT is 'static and every gate points at a stub in entry.S with a valid
    // selector and IST index.
    unsafe { lidt(&ptr) };
}
