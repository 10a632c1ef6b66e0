//! QEMU's firmware configuration device (`fw_cfg`, I/O ports 0x510/0x511), read for one number:
//! how many CPUs the VM has. On a one-CPU VM that answer lets boot skip the ACPI tables
//! altogether (reading them costs about half a millisecond under TCG); any other VMM, or a
//! VM with several CPUs, gets the MADT read as usual.

use x86_64::instructions::port::Port;

const SELECTOR: u16 = 0x510;
const DATA: u16 = 0x511;
const KEY_SIGNATURE: u16 = 0x00;
const KEY_NB_CPUS: u16 = 0x05;

fn read(key: u16, out: &mut [u8]) {
    // SAFETY: fw_cfg's selector and data ports only select and read configuration items; on a
    // VMM without the device the writes go nowhere and the reads return junk, which the
    // signature check below catches.
    unsafe {
        Port::<u16>::new(SELECTOR).write(key);
        let mut data = Port::<u8>::new(DATA);
        for b in out.iter_mut() {
            *b = data.read();
        }
    }
}

/// The number of CPUs QEMU started the VM with, None without fw_cfg (another VMM).
pub(crate) fn cpu_count() -> Option<u16> {
    let mut sig = [0u8; 4];
    read(KEY_SIGNATURE, &mut sig);
    if &sig != b"QEMU" {
        return None;
    }
    let mut n = [0u8; 2];
    read(KEY_NB_CPUS, &mut n);
    Some(u16::from_le_bytes(n)).filter(|&n| n > 0)
}
