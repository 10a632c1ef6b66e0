//! /proc/cpuinfo from CPUID, in Linux's layout (the fields runtimes parse: vendor_id, cpu
//! family, model, model name, stepping, cpu MHz, flags, processor, siblings, cores).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use raw_cpuid::CpuId;

pub fn text(cpus: u32) -> String {
    let id = CpuId::new();
    let vendor = id
        .get_vendor_info()
        .map(|v| String::from(v.as_str()))
        .unwrap_or_default();
    let brand = id
        .get_processor_brand_string()
        .map(|b| String::from(b.as_str().trim()))
        .unwrap_or_else(|| String::from("QEMU Virtual CPU"));
    let fi = id.get_feature_info();
    let (family, model, stepping) = fi
        .as_ref()
        .map(|f| (f.family_id(), f.model_id(), f.stepping_id()))
        .unwrap_or((6, 0, 0));
    let khz = osprey_hal::time::tsc_hz() / 1000;
    let mut flags: Vec<&str> = Vec::new();
    if let Some(f) = fi.as_ref() {
        let pairs = [
            (f.has_fpu(), "fpu"),
            (f.has_vme(), "vme"),
            (f.has_de(), "de"),
            (f.has_pse(), "pse"),
            (f.has_tsc(), "tsc"),
            (f.has_msr(), "msr"),
            (f.has_pae(), "pae"),
            (f.has_mce(), "mce"),
            (f.has_cmpxchg8b(), "cx8"),
            (f.has_apic(), "apic"),
            (f.has_sysenter_sysexit(), "sep"),
            (f.has_mtrr(), "mtrr"),
            (f.has_pge(), "pge"),
            (f.has_mca(), "mca"),
            (f.has_cmov(), "cmov"),
            (f.has_pat(), "pat"),
            (f.has_pse36(), "pse36"),
            (f.has_clflush(), "clflush"),
            (f.has_mmx(), "mmx"),
            (f.has_fxsave_fxstor(), "fxsr"),
            (f.has_sse(), "sse"),
            (f.has_sse2(), "sse2"),
            (true, "syscall"),
            (true, "nx"),
            (true, "lm"),
            (f.has_sse3(), "pni"),
            (f.has_pclmulqdq(), "pclmulqdq"),
            (f.has_ssse3(), "ssse3"),
            (f.has_fma(), "fma"),
            (f.has_cmpxchg16b(), "cx16"),
            (f.has_sse41(), "sse4_1"),
            (f.has_sse42(), "sse4_2"),
            (f.has_x2apic(), "x2apic"),
            (f.has_movbe(), "movbe"),
            (f.has_popcnt(), "popcnt"),
            (f.has_tsc_deadline(), "tsc_deadline_timer"),
            (f.has_aesni(), "aes"),
            (f.has_xsave(), "xsave"),
            (f.has_avx(), "avx"),
            (f.has_f16c(), "f16c"),
            (f.has_rdrand(), "rdrand"),
            (f.has_hypervisor(), "hypervisor"),
        ];
        flags.extend(pairs.iter().filter(|p| p.0).map(|p| p.1));
    }
    if let Some(e) = id.get_extended_feature_info() {
        let pairs = [
            (e.has_fsgsbase(), "fsgsbase"),
            (e.has_bmi1(), "bmi1"),
            (e.has_avx2(), "avx2"),
            (e.has_bmi2(), "bmi2"),
            (e.has_rep_movsb_stosb(), "erms"),
            (e.has_adx(), "adx"),
            (e.has_sha(), "sha_ni"),
            (e.has_avx512f(), "avx512f"),
        ];
        flags.extend(pairs.iter().filter(|p| p.0).map(|p| p.1));
    }
    let flags = flags.join(" ");
    let mut s = String::new();
    for cpu in 0..cpus {
        s.push_str(&format!(
            "processor\t: {cpu}\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model}\n\
model name\t: {brand}\nstepping\t: {stepping}\ncpu MHz\t\t: {}.{:03}\ncache size\t: 16384 KB\n\
physical id\t: 0\nsiblings\t: {cpus}\ncore id\t\t: {cpu}\ncpu cores\t: {cpus}\napicid\t\t: {cpu}\n\
fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\nflags\t\t: {flags}\n\
clflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 40 bits physical, 48 bits virtual\n\
power management:\n\n",
            khz / 1000,
            khz % 1000
        ));
    }
    s
}
