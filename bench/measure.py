#!/usr/bin/env python3
"""The measuring half of bench/run.sh (which builds everything first and passes the paths).

Osprey and a Debian Linux guest, on the same QEMU binary, accelerator (TCG, -cpu max), machine
type (microvm), -smp 1 and -m, run back to back as A/B pairs so that the ratio of each pair is
taken while the shared host is in the same state. Sections (--only picks some):

  syscall   bench-syscall (getppid through syscall()): ns per call; -m 256M
  mmap      mmap-touch: ns per page fault; -m 1G (the Linux guest cannot back 256 MiB in 256M)
  threads   futex-pingpong (ns per round trip), pthread-cond (ns per switch), spawn-threads
            (us per create+join), pipe-herd with 0 and 64 idle blocked threads (ns per pipe
            round trip); pinned to one vCPU, -smp 1, -m 256M
  mutex     mutex-contend: 1, 2, 4, 8, 16 threads on one pthread mutex, 2 vCPUs (--cpus 2 /
            -smp 2), not pinned: ns per lock+unlock over the whole run; -m 256M
  kmutex    kmutex-contend: the same thread counts mapping and unmapping a page, so contending
            for the kernel's lock on the memory map: ns per mmap+munmap pair; -m 256M
  boot      (a) Osprey's guest-measured PVH entry -> "entering the app" (--bootchart),
            (b) wall time of `osprey run hello` vs (c) QEMU running an empty PVH kernel
            (the floor), in pairs; (d) the Linux guest's LG_INIT, from every Linux boot here
  size      the kernel ELF as built, stripped, and its loaded bytes
  mem       the smallest --mem (whole MiB) that runs hello, by bisection

Everything is printed as it is measured, then a summary in Markdown (median [min-max])."""
import argparse, json, os, re, select, signal, statistics, struct, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--osprey", required=True)
ap.add_argument("--kernel-elf", required=True)
ap.add_argument("--stripped", required=True, help="where to write the stripped kernel")
ap.add_argument("--micro", required=True, help="folder of the static micro programs")
ap.add_argument("--floor", required=True, help="the empty PVH kernel")
ap.add_argument("--vmlinux", required=True)
ap.add_argument("--initrd", required=True)
ap.add_argument("--tsc-khz", required=True)
ap.add_argument("--qemu", default="qemu-system-x86_64")
ap.add_argument("--reps", type=int, default=7, help="pairs per micro benchmark")
ap.add_argument("--boot-reps", type=int, default=10, help="runs/pairs per boot figure")
ap.add_argument("--syscall-n", type=int, default=4000000)
ap.add_argument("--mmap-rounds", type=int, default=2)
ap.add_argument("--syscall-mem", default="256M")
ap.add_argument("--micro-mem", default="1G")
ap.add_argument("--boot-mem", default="64M", help="-m of the hello / floor pair (osprey's default)")
ap.add_argument("--only", default="syscall,mmap,threads,mutex,kmutex,boot,size,mem")
ap.add_argument("--mutex-n", type=int, default=2000000)
ap.add_argument("--herd-n", type=int, default=20000)
ap.add_argument("--mutex-threads", default="1,2,4,8,16")
ap.add_argument("--kmutex-n", type=int, default=100000)
ap.add_argument("--pingpong-n", type=int, default=100000)
ap.add_argument("--spawn-rounds", type=int, default=4)
ap.add_argument("--json", default=None, help="also write the raw figures here")
a = ap.parse_args()
only = set(a.only.split(","))

# The machine type of each side. Osprey's is whatever `osprey run` passes (crates/cli/src/qemu.rs:
# microvm,x-option-roms=off,isa-serial=on,rtc=on); the Linux guest needs the PIT and PIC that
# microvm would otherwise leave out under some accelerators (as in the shared harness).
LG_MACHINE = "microvm,x-option-roms=off,isa-serial=on,rtc=on,pit=on,pic=on"
OSPREY_MACHINE = "microvm,x-option-roms=off,isa-serial=on,rtc=on"
COMMON = ["-accel", "tcg", "-cpu", "max", "-nodefaults", "-no-user-config",
          "-display", "none", "-no-reboot"]
R = {}          # raw figures, for --json


def log(*x):
    print(*x, flush=True)


def load():
    others = subprocess.run(["pgrep", "-c", "-x", "qemu-system-x86"], capture_output=True, text=True).stdout.strip()
    return "load average %.2f %.2f %.2f, qemu processes running: %s" % (os.getloadavg() + (others or "0",))


def stats(v):
    v = [x for x in v if x is not None]
    if not v:
        return None
    return statistics.median(v), min(v), max(v), len(v)


def fmt(v, nd=1):
    s = stats(v)
    if s is None:
        return "-"
    f = "%%.%df" % nd
    return (f + " [" + f + "-" + f + "]") % s[:3]


def micro_value(text, name):
    m = re.search(r"LG_MICRO name=%s value=([0-9.]+)" % re.escape(name), text)
    return float(m.group(1)) if m else None


def run_osprey(args, timeout=120):
    t0 = time.monotonic()
    p = subprocess.run([a.osprey, "run", "--accel", "tcg"] + args, capture_output=True, text=True,
                       timeout=timeout)
    return p, (time.monotonic() - t0) * 1000


def lg_cmd(run, n, reps, mem, smp=1, a2=None):
    append = ("console=ttyS0 quiet panic=-1 tsc_early_khz=%s tsc=reliable bench.run=%s bench.n=%s bench.reps=%d"
              % (a.tsc_khz, run, n, reps))
    if a2 is not None:
        append += " bench.a2=%s" % a2
    return [a.qemu, "-M", LG_MACHINE] + COMMON + ["-smp", str(smp), "-m", mem, "-serial", "stdio",
                                                  "-kernel", a.vmlinux, "-initrd", a.initrd, "-append", append]


def run_linux(run, n, reps, mem, timeout=180, smp=1, a2=None):
    """Boot the Linux guest; returns (console text, wall ms to LG_INIT, kernel ts of LG_INIT ms, wall ms total)."""
    cmd = lg_cmd(run, n, reps, mem, smp, a2)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    buf, init_wall, done = b"", None, False
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 0.05)
        if not r:
            if p.poll() is not None:
                break
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        if init_wall is None and b"LG_INIT" in buf:
            init_wall = (time.monotonic() - t0) * 1000
        if b"BENCH_DONE" in buf:
            done = True
            break
    # poweroff -f: let QEMU leave by itself for a moment, then make sure it is gone
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    total = (time.monotonic() - t0) * 1000
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
    text = buf.decode(errors="replace")
    if not done:
        log("  linux guest did not finish (bench.run=%s); console tail:\n%s" % (run, text[-1500:]))
    m = re.search(r"\[\s*([0-9.]+)\]\s*LG_INIT", text)
    return text, init_wall, (float(m.group(1)) * 1000 if m else None), total


LG_BOOTS = []   # (mem, wall ms to LG_INIT, kernel ts ms)


def micro_pairs(name, prog, n, mem, smp=1, a2=None):
    """REPS pairs: Osprey run of PROG N [A2], then a Linux boot running it once, both with SMP
    vCPUs. Returns the lists."""
    ov, lv, ratios = [], [], []
    args = [os.path.join(a.micro, prog), str(n)] + ([str(a2)] if a2 is not None else [])
    cpus = ["--cpus", str(smp)] if smp != 1 else []
    osprey_cmd = [a.osprey, "run", "--accel", "tcg", "--mem", mem] + cpus + args
    log("## %s: %d pairs, n=%s, -m %s, %d vCPU(s); %s" % (name, a.reps, n, mem, smp, load()))
    log("   osprey: " + " ".join(osprey_cmd))
    log("   linux:  " + " ".join(lg_cmd(prog, n, 1, mem, smp, a2)))
    hv = []
    for i in range(3):   # the same binary on the host, for context (not part of the ratio)
        h = subprocess.run(args, capture_output=True, text=True, timeout=60)
        hv.append(micro_value(h.stdout, name))
    log("  host (same binary, no VM), 3 runs: %s" % fmt(hv))
    for i in range(a.reps):
        p, ow = run_osprey(["--mem", mem] + cpus + args)
        o = micro_value(p.stdout, name)
        if o is None or p.returncode != 0:
            log("  osprey run %d FAILED: status %d\n  stdout: %s\n  stderr: %s" % (i, p.returncode, p.stdout[-500:], p.stderr[-1500:]))
        text, iw, ik, lw = run_linux(prog, n, 1, mem, smp=smp, a2=a2)
        l = micro_value(text, name)
        LG_BOOTS.append((mem, iw, ik))
        r = o / l if (o and l) else None
        ov.append(o); lv.append(l); ratios.append(r)
        log("  pair %d: osprey %s (wall %.0f ms)  linux %s (wall %.0f ms, LG_INIT at %s ms wall)  ratio %s"
            % (i, o, ow, l, lw, "%.0f" % iw if iw else "-", "%.3f" % r if r else "-"))
    log("  -> osprey %s, linux %s, ratio %s; %s" % (fmt(ov), fmt(lv), fmt(ratios, 3), load()))
    R[name] = dict(osprey=ov, linux=lv, ratio=ratios, host=hv, n=n, mem=mem, smp=smp, osprey_cmd=osprey_cmd,
                   linux_cmd=lg_cmd(prog, n, 1, mem, smp, a2))
    return ov, lv, ratios


MILESTONE = re.compile(r"^\s*([0-9.]+) ms\s+([0-9.]+) ms\s+(.*\S)\s*$")


def boot():
    hello = os.path.join(a.micro, "hello")
    log("## boot (a): osprey run --bootchart hello, %d runs; %s" % (a.boot_reps, load()))
    ms = {}   # milestone -> [ms]
    host_qemu, host_total = [], []
    order = []
    for i in range(a.boot_reps):
        p, w = run_osprey(["--bootchart", hello])
        if p.returncode != 0 or p.stdout != "hello\n":
            log("  run %d FAILED: status %d stdout %r stderr %s" % (i, p.returncode, p.stdout, p.stderr[-1500:]))
            continue
        for line in p.stderr.splitlines():
            m = MILESTONE.match(line)
            if m:
                k = m.group(3)
                if k not in ms:
                    ms[k] = []; order.append(k)
                ms[k].append(float(m.group(1)))
            m = re.search(r"host: ([0-9.]+) ms from starting QEMU", line)
            if m: host_qemu.append(float(m.group(1)))
            m = re.search(r"host: ([0-9.]+) ms for the whole osprey run", line)
            if m: host_total.append(float(m.group(1)))
        if i == 0:
            log("  first run's chart:\n" + p.stderr.rstrip())
        log("  run %d: entering the app at %s ms" % (i, ms.get("entering the app", ["-"])[-1]))
    for k in order:
        log("  %-22s %s ms" % (k, fmt(ms[k], 3)))
    log("  host (osprey's own figures): QEMU start->exit %s ms, whole run %s ms" % (fmt(host_qemu), fmt(host_total)))
    R["bootchart"] = dict(milestones={k: ms[k] for k in order}, order=order, host_qemu=host_qemu, host_total=host_total)

    floor_cmd = [a.qemu, "-M", OSPREY_MACHINE] + COMMON + ["-smp", "1", "-m", a.boot_mem, "-device",
                 "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", a.floor]
    hello_cmd = [a.osprey, "run", "--accel", "tcg", "--mem", a.boot_mem, hello]
    log("## boot (b) vs (c): %d pairs, wall ms; %s" % (a.boot_reps, load()))
    log("   (b) " + " ".join(hello_cmd))
    log("   (c) " + " ".join(floor_cmd))
    hv, fv, dv = [], [], []
    for i in range(a.boot_reps + 1):      # pair 0 is a warm-up (page cache), not counted
        t0 = time.monotonic()
        p = subprocess.run(hello_cmd, capture_output=True, text=True, timeout=60)
        h = (time.monotonic() - t0) * 1000
        ok_h = p.returncode == 0 and p.stdout == "hello\n"
        t0 = time.monotonic()
        q = subprocess.run(floor_cmd, capture_output=True, timeout=60)
        f = (time.monotonic() - t0) * 1000
        ok_f = q.returncode == 1
        if not (ok_h and ok_f):
            log("  pair %d FAILED: hello status %d %r; floor status %d %r" % (i, p.returncode, p.stderr[-300:], q.returncode, q.stderr[-300:]))
            continue
        if i == 0:
            log("  warm-up: hello %.1f ms, floor %.1f ms (not counted)" % (h, f))
            continue
        hv.append(h); fv.append(f); dv.append(h - f)
        log("  pair %d: hello %.1f ms, floor %.1f ms, difference %.1f ms" % (i, h, f, h - f))
    log("  -> hello %s ms, floor %s ms, hello - floor (per pair) %s ms; %s" % (fmt(hv), fmt(fv), fmt(dv), load()))
    R["boot_wall"] = dict(hello=hv, floor=fv, diff=dv, hello_cmd=hello_cmd, floor_cmd=floor_cmd)


def size():
    with open(a.kernel_elf, "rb") as f:
        d = f.read()
    subprocess.run(["strip", "-o", a.stripped, a.kernel_elf], check=True)
    stripped = os.path.getsize(a.stripped)
    assert d[:4] == b"\x7fELF" and d[4] == 2
    phoff, = struct.unpack_from("<Q", d, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", d, 0x36)
    filesz = memsz = 0
    for i in range(phnum):
        p_type, _, _, _, _, p_filesz, p_memsz, _ = struct.unpack_from("<IIQQQQQQ", d, phoff + i * phentsize)
        if p_type == 1:
            filesz += p_filesz; memsz += p_memsz
    osprey = os.path.getsize(a.osprey)
    R["size"] = dict(elf=len(d), stripped=stripped, load_filesz=filesz, load_memsz=memsz, osprey_cli=osprey)
    log("## size: kernel ELF %d bytes, stripped %d bytes, PT_LOAD file bytes %d (memory %d); osprey CLI %d bytes"
        % (len(d), stripped, filesz, memsz, osprey))


def minmem():
    hello = os.path.join(a.micro, "hello")
    tried = {}

    def ok(mib):
        p, _ = run_osprey(["--timeout", "30", "--mem", "%dM" % mib, hello], timeout=60)
        good = p.returncode == 0 and p.stdout == "hello\n"
        tried[mib] = (good, p.returncode, p.stderr.strip().splitlines()[-1:] if p.stderr.strip() else [])
        log("  --mem %dM: %s (status %d) %s" % (mib, "ok" if good else "FAILS", p.returncode,
                                                "" if good else " | ".join(tried[mib][2])))
        return good

    log("## smallest --mem that runs hello (bisection over 4..64 MiB); %s" % load())
    lo, hi = 4, 64
    if not ok(hi):
        log("  hello does not run even with 64M"); R["minmem"] = None; return
    if ok(lo):
        best = lo
    else:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid): hi = mid
            else: lo = mid
        best = hi
    # confirm once more: the minimum runs again and the next size down fails again
    again = ok(best) and (best == 4 or not ok(best - 1))
    log("  -> smallest --mem: %dM%s" % (best, "" if again else " (NOT reproducible on a second try)"))
    R["minmem"] = dict(mib=best, confirmed=again, tried={str(k): v for k, v in tried.items()})


log("# osprey bench, %s, %s" % (time.strftime("%Y-%m-%d %H:%M:%S %Z"), load()))
log("# %s; host: %d CPUs; tsc_khz %s" % (subprocess.run([a.qemu, "--version"], capture_output=True, text=True).stdout.splitlines()[0],
                                      os.cpu_count(), a.tsc_khz))
if "syscall" in only:
    micro_pairs("syscall", "syscall", a.syscall_n, a.syscall_mem)
if "mmap" in only:
    micro_pairs("mmap-touch", "mmap-touch", a.mmap_rounds, a.micro_mem)
if "threads" in only:
    micro_pairs("futex-pingpong", "futex-pingpong", a.pingpong_n, a.syscall_mem)
    micro_pairs("pthread-cond", "pthread-cond", a.pingpong_n, a.syscall_mem)
    micro_pairs("spawn-threads", "spawn-threads", a.spawn_rounds, a.syscall_mem)
    for idle in (0, 64):
        micro_pairs("pipe-herd-%d" % idle, "pipe-herd", a.herd_n, a.syscall_mem, a2=idle)
MUTEX_T = [int(x) for x in a.mutex_threads.split(",")]
if "mutex" in only:
    for t in MUTEX_T:
        micro_pairs("mutex-contend-%d" % t, "mutex-contend", a.mutex_n, a.syscall_mem, smp=2, a2=t)
if "kmutex" in only:
    for t in MUTEX_T:
        micro_pairs("kmutex-contend-%d" % t, "kmutex-contend", a.kmutex_n, a.syscall_mem, smp=2, a2=t)
if "boot" in only:
    boot()
if "size" in only:
    size()
if "mem" in only:
    minmem()
log("# end, %s" % load())

# ---- summary ----
log("\n# summary: median [min-max] over the runs above")
for name, unit, goal in (("syscall", "ns/call", 0.2), ("mmap-touch", "ns/fault", 0.3),
                         ("futex-pingpong", "ns/round trip", 0.25), ("pthread-cond", "ns/switch", 0.2),
                         ("spawn-threads", "us/thread", 0.3), ("pipe-herd-0", "ns/round trip", None),
                         ("pipe-herd-64", "ns/round trip", None)):
    if name in R:
        x = R[name]
        log("| %s (%s, -m %s, %d pairs) | Osprey %s | Linux %s | ratio %s | %s | host %s |"
            % (name, unit, x["mem"], len(x["ratio"]), fmt(x["osprey"]), fmt(x["linux"]), fmt(x["ratio"], 3),
               "goal <= %.2fx" % goal if goal else "no goal", fmt(x["host"])))
for prog, unit in (("mutex-contend", "ns/lock"), ("kmutex-contend", "ns/pair")):
    # Throughput under contention: ns per operation with T threads on 2 vCPUs, and how much
    # slower than one thread ("collapse": goal <= 2x for Osprey, and ahead of Linux).
    def med(v):
        s = stats(v)
        return s[0] if s else None
    one = R.get("%s-1" % prog)
    for t in MUTEX_T:
        x = R.get("%s-%d" % (prog, t))
        if not x:
            continue
        co = ("%.2fx" % (med(x["osprey"]) / med(one["osprey"]))) if one and med(x["osprey"]) and med(one["osprey"]) else "-"
        cl = ("%.2fx" % (med(x["linux"]) / med(one["linux"]))) if one and med(x["linux"]) and med(one["linux"]) else "-"
        log("| %s %2d threads (%s, 2 vCPUs, %d pairs) | Osprey %s | Linux %s | ratio %s | vs 1 thread: Osprey %s, Linux %s | host %s |"
            % (prog, t, unit, len(x["ratio"]), fmt(x["osprey"]), fmt(x["linux"]), fmt(x["ratio"], 3), co, cl, fmt(x["host"])))
if "bootchart" in R:
    b = R["bootchart"]
    log("| boot (a) PVH entry -> entering the app | %s ms | goal <= 1 ms |" % fmt(b["milestones"].get("entering the app", []), 2))
if "boot_wall" in R:
    b = R["boot_wall"]
    log("| boot (b) osprey run hello, wall | %s ms |" % fmt(b["hello"]))
    log("| boot (c) empty PVH kernel (floor), wall | %s ms |" % fmt(b["floor"]))
    log("| boot (b)-(c) per pair | %s ms | goal <= 10 ms |" % fmt(b["diff"]))
if LG_BOOTS:
    for mem in sorted(set(m for m, _, _ in LG_BOOTS)):
        w = [x for m, x, _ in LG_BOOTS if m == mem]; k = [x for m, _, x in LG_BOOTS if m == mem]
        log("| boot (d) Linux guest -m %s: wall to LG_INIT | %s ms | kernel timestamp %s ms | %d boots |"
            % (mem, fmt(w), fmt(k), len(w)))
    R["linux_boots"] = LG_BOOTS
if "size" in R:
    s = R["size"]
    log("| kernel image | ELF %.2f MB | stripped %.3f MB | loaded %.3f MB | goal < 1 MB |"
        % (s["elf"] / 1e6, s["stripped"] / 1e6, s["load_filesz"] / 1e6))
if R.get("minmem"):
    log("| smallest --mem for hello | %dM | goal 8M |" % R["minmem"]["mib"])
if a.json:
    with open(a.json, "w") as f:
        json.dump(R, f, indent=1)
