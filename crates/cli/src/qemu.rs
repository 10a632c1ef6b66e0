//! The QEMU side: which accelerator to use, and the command line.
//!
//! Two machines (`--machine`): `microvm` (the default: no firmware, no PCI, devices on
//! virtio-mmio) and `q35` (a PC with PCI Express, the card a virtio-net-pci). q35 runs QEMU's
//! default firmware, SeaBIOS, before the PVH kernel: without SATA, SMBus and the card's option
//! ROM it costs about 70-90 ms more than microvm under TCG here, which is what qboot (the
//! minimal firmware, `-bios qboot.rom`) costs too; SeaBIOS also assigns the PCI BARs (the
//! kernel places them itself behind firmware that does not, as qboot).
//! Both boot the same PVH kernel with the same initrd and command line, and have the same
//! COM1 and isa-debug-exit port; the kernel finds out which machine it is on by looking for a
//! PCI bus.
//!
//! The command line keeps QEMU away from the terminal: no display (`-display none`), no default
//! devices or monitor (`-nodefaults`, `-no-user-config`), and COM1 is a `stdio` chardev on pipes
//! that osprey owns (so QEMU never puts the terminal in raw mode, and `signal=off` so it does not
//! interpret ^C bytes). `-no-reboot` turns a triple fault into an exit instead of a reboot loop.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::options::{Accel, Machine};

/// The accelerator actually used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Kvm,
    Tcg,
}

/// What the host offers, as read from /dev, /sys and /proc (separate so tests can fake it).
#[derive(Clone, Debug, Default)]
pub struct HostFacts {
    /// /dev/kvm exists and we may open it read-write.
    pub dev_kvm_usable: bool,
    /// /sys/module/kvm_pvm exists.
    pub sys_module_kvm_pvm: bool,
    /// The contents of /proc/modules.
    pub proc_modules: String,
    /// The contents of /proc/cpuinfo.
    pub cpuinfo: String,
}

impl HostFacts {
    pub fn read() -> HostFacts {
        HostFacts {
            dev_kvm_usable: fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/kvm")
                .is_ok(),
            sys_module_kvm_pvm: Path::new("/sys/module/kvm_pvm").exists(),
            proc_modules: fs::read_to_string("/proc/modules").unwrap_or_default(),
            cpuinfo: fs::read_to_string("/proc/cpuinfo").unwrap_or_default(),
        }
    }

    fn module_loaded(&self, name: &str) -> bool {
        self.proc_modules
            .lines()
            .any(|l| l.split_whitespace().next() == Some(name))
    }

    fn cpu_has_virt(&self) -> bool {
        self.cpuinfo
            .lines()
            .filter(|l| l.starts_with("flags"))
            .any(|l| l.split_whitespace().any(|f| f == "vmx" || f == "svm"))
    }

    /// Why KVM cannot run our guest here, or None if it can.
    ///
    /// The rule: KVM only with /dev/kvm usable, kvm_intel or kvm_amd loaded, vmx or svm in the
    /// CPU flags, and no kvm_pvm. kvm_pvm (a software KVM without VMX/SVM) accepts the VM but
    /// runs our ring-0 guest through the instruction emulator, where it crashes or crawls; the
    /// flag and module checks catch it even where /sys is not mounted.
    pub fn kvm_unusable_reason(&self) -> Option<String> {
        if self.sys_module_kvm_pvm || self.module_loaded("kvm_pvm") {
            return Some(
                "/dev/kvm is kvm_pvm, a software KVM that cannot run osprey's ring-0 guest".into(),
            );
        }
        if !self.dev_kvm_usable {
            return Some("/dev/kvm is missing or not readable and writable by you".into());
        }
        if !self.module_loaded("kvm_intel") && !self.module_loaded("kvm_amd") {
            return Some("neither kvm_intel nor kvm_amd is loaded".into());
        }
        if !self.cpu_has_virt() {
            return Some("the CPU flags have no vmx or svm (no hardware virtualization)".into());
        }
        None
    }
}

/// Picks the engine for the requested accelerator. `Err` is a message for `--accel kvm` where
/// KVM cannot work.
pub fn choose_engine(requested: Accel, host: &HostFacts) -> Result<Engine, String> {
    match requested {
        Accel::Tcg => Ok(Engine::Tcg),
        Accel::Auto => Ok(if host.kvm_unusable_reason().is_none() {
            Engine::Kvm
        } else {
            Engine::Tcg
        }),
        Accel::Kvm => match host.kvm_unusable_reason() {
            None => Ok(Engine::Kvm),
            Some(why) => Err(format!("--accel kvm: {why}; use --accel tcg (or auto)")),
        },
    }
}

/// Everything the command line depends on.
#[derive(Clone, Debug)]
pub struct VmConfig {
    pub qemu: PathBuf,
    pub engine: Engine,
    pub machine: Machine,
    pub mem_bytes: u64,
    pub cpus: u8,
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    /// The kernel command line (`osprey_proto::cmdline` keys).
    pub append: String,
    /// The network card and its backend (`crate::net`); empty: none.
    pub net: Vec<String>,
}

/// The arguments after the QEMU binary.
pub fn args(cfg: &VmConfig) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let mut push = |s: &str| a.push(s.into());
    push("-M");
    match cfg.machine {
        // microvm: no PCI, no firmware tables to speak of, fast to boot; ISA serial for COM1,
        // the RTC for a wall clock, no option ROMs to load.
        Machine::Microvm => push("microvm,x-option-roms=off,isa-serial=on,rtc=on"),
        // q35 has COM1, the RTC and an ISA bus (for isa-debug-exit) on its LPC bridge; the
        // SATA and SMBus controllers are left out (nothing uses them, and the firmware would
        // set them up).
        Machine::Q35 => push("q35,sata=off,smbus=off"),
    }
    match cfg.engine {
        Engine::Tcg => {
            push("-accel");
            push("tcg");
            push("-cpu");
            push("max");
        }
        Engine::Kvm => {
            push("-accel");
            push("kvm");
            // Some hosts' KVM refuses MSR 0x10a (IA32_ARCH_CAPABILITIES) with `-cpu host`.
            push("-cpu");
            push("host,-arch-capabilities");
        }
    }
    push("-m");
    // QEMU reads a bare -m number as MiB; round up to a whole MiB.
    let mib = cfg.mem_bytes.div_ceil(1 << 20);
    push(&format!("{mib}M"));
    push("-smp");
    push(&cfg.cpus.to_string());
    for s in [
        "-display",
        "none",
        "-nodefaults",
        "-no-user-config",
        "-no-reboot",
    ] {
        push(s);
    }
    push("-device");
    push(&format!(
        "isa-debug-exit,iobase={:#x},iosize=4",
        osprey_proto::DEBUG_EXIT_PORT
    ));
    for s in [
        "-chardev",
        "stdio,id=con0,signal=off",
        "-serial",
        "chardev:con0",
    ] {
        push(s);
    }
    a.extend(cfg.net.iter().map(OsString::from));
    a.push("-kernel".into());
    a.push(cfg.kernel.clone().into_os_string());
    a.push("-initrd".into());
    a.push(cfg.initrd.clone().into_os_string());
    if !cfg.append.is_empty() {
        a.push("-append".into());
        a.push(cfg.append.clone().into());
    }
    a
}

/// QEMU's exit status after the kernel writes `value` to isa-debug-exit: `(value << 1) | 1`.
pub fn debug_exit_status(value: u32) -> i32 {
    ((value << 1) | 1) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTEL_FLAGS: &str = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr vmx ssse3\n";
    const NO_VIRT_FLAGS: &str = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr ssse3\n";

    fn facts(kvm: bool, modules: &str, cpuinfo: &str, pvm_sys: bool) -> HostFacts {
        HostFacts {
            dev_kvm_usable: kvm,
            sys_module_kvm_pvm: pvm_sys,
            proc_modules: modules.into(),
            cpuinfo: cpuinfo.into(),
        }
    }

    #[test]
    fn real_kvm_is_used() {
        let h = facts(
            true,
            "kvm_intel 1 0 - Live 0x0\nkvm 2 1 kvm_intel, Live 0x0\n",
            INTEL_FLAGS,
            false,
        );
        assert_eq!(h.kvm_unusable_reason(), None);
        assert_eq!(choose_engine(Accel::Auto, &h), Ok(Engine::Kvm));
        assert_eq!(choose_engine(Accel::Tcg, &h), Ok(Engine::Tcg));
        let amd = facts(true, "kvm_amd 1 0 - Live 0x0\n", "flags : svm sse\n", false);
        assert_eq!(choose_engine(Accel::Auto, &amd), Ok(Engine::Kvm));
    }

    #[test]
    fn pvm_and_missing_pieces_fall_back_to_tcg() {
        // This machine's kind: kvm_pvm, no vmx/svm.
        let pvm = facts(
            true,
            "kvm_pvm 1 0 - Live 0x0\nkvm 2 1 kvm_pvm, Live 0x0\n",
            NO_VIRT_FLAGS,
            true,
        );
        assert!(pvm.kvm_unusable_reason().unwrap().contains("kvm_pvm"));
        assert_eq!(choose_engine(Accel::Auto, &pvm), Ok(Engine::Tcg));
        let e = choose_engine(Accel::Kvm, &pvm).unwrap_err();
        assert!(e.contains("kvm_pvm") && e.contains("--accel tcg"), "{e}");
        // kvm_pvm seen only in /proc/modules (no /sys), even with vmx and kvm_intel present.
        let sneaky = facts(true, "kvm_intel 1 0\nkvm_pvm 1 0\n", INTEL_FLAGS, false);
        assert_eq!(choose_engine(Accel::Auto, &sneaky), Ok(Engine::Tcg));
        for h in [
            facts(false, "kvm_intel 1 0\n", INTEL_FLAGS, false),
            facts(true, "kvm 1 0\n", INTEL_FLAGS, false),
            facts(true, "kvm_intel 1 0\n", NO_VIRT_FLAGS, false),
            facts(true, "", "", false),
            HostFacts::default(),
        ] {
            assert_eq!(choose_engine(Accel::Auto, &h), Ok(Engine::Tcg), "{h:?}");
            assert!(choose_engine(Accel::Kvm, &h).is_err());
        }
        // A module whose name merely contains kvm_intel does not count.
        let h = facts(true, "not_kvm_intel 1 0\n", INTEL_FLAGS, false);
        assert_eq!(choose_engine(Accel::Auto, &h), Ok(Engine::Tcg));
    }

    #[test]
    fn command_line() {
        let cfg = VmConfig {
            qemu: "qemu-system-x86_64".into(),
            engine: Engine::Tcg,
            machine: Machine::Microvm,
            mem_bytes: (64 << 20) + 1,
            cpus: 2,
            kernel: "/t/k".into(),
            initrd: "/t/i".into(),
            append: "realtime=1 tsc_khz=2".into(),
            net: vec![],
        };
        let a: Vec<String> = args(&cfg)
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect();
        let line = a.join(" ");
        assert!(line.starts_with("-M microvm,x-option-roms=off,isa-serial=on,rtc=on -accel tcg -cpu max -m 65M -smp 2 "), "{line}");
        assert!(line.contains("-device isa-debug-exit,iobase=0xf4,iosize=4"));
        assert!(line.contains("-chardev stdio,id=con0,signal=off -serial chardev:con0"));
        assert!(
            line.ends_with("-kernel /t/k -initrd /t/i -append realtime=1 tsc_khz=2"),
            "{line}"
        );
        assert!(!line.contains("-nographic"));
        let q35: Vec<String> = args(&VmConfig {
            machine: Machine::Q35,
            ..cfg.clone()
        })
        .into_iter()
        .map(|s| s.into_string().unwrap())
        .collect();
        let q35 = q35.join(" ");
        assert!(
            q35.starts_with("-M q35,sata=off,smbus=off -accel tcg "),
            "{q35}"
        );
        assert!(q35.contains("-device isa-debug-exit,iobase=0xf4,iosize=4"));
        assert!(!q35.contains("-bios"));
        assert!(q35.contains("-chardev stdio,id=con0,signal=off -serial chardev:con0"));
        let kvm = args(&VmConfig {
            engine: Engine::Kvm,
            ..cfg
        });
        let line = kvm
            .iter()
            .map(|s| s.to_str().unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(line.contains("-accel kvm -cpu host,-arch-capabilities"));
        assert_eq!(debug_exit_status(osprey_proto::DEBUG_EXIT_NORMAL), 33);
    }
}
