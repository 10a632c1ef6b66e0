#!/usr/bin/env python3
"""`bench/run.sh dyn`: Debian's dynamic python3 and sqlite3 in Osprey vs in a Linux guest.

For each command (`python3 -c pass`, `sqlite3 :memory: 'select 1'`):
  Osprey  PVH entry -> "app exited" (the guest's --bootchart; the whole boot and the run) and
          the wall time of `osprey run` (image cache warm), plus one wall figure with the cache
          off (OSPREY_IMAGE_CACHE=0: packing on every run)
  Linux   the same binaries started inside an already-booted Debian Linux guest on the same
          QEMU/TCG, -M microvm, -cpu max, -smp 1, -m: process start (fork) to exit (waitpid),
          measured in the guest by /timeit; run 0 of a boot is the first start of that program
          (QEMU has translated none of its code yet, as for every Osprey run), runs 1.. are
          warm starts in the same boot
clock_gettime(CLOCK_MONOTONIC) through the vDSO, 10^6 calls, ns per call, in both (once per
round); and the pack itself: `osprey build /usr/bin/python3` time and image size.
Rounds alternate: the Osprey runs of a round, then one Linux boot. Median [min-max]."""
import argparse, os, re, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--osprey", required=True)
ap.add_argument("--vmlinux", required=True)
ap.add_argument("--initrd", required=True)
ap.add_argument("--tsc-khz", required=True)
ap.add_argument("--qemu", default="qemu-system-x86_64")
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--reps", type=int, default=3, help="runs of each command per round")
ap.add_argument("--mem", default="512M")
ap.add_argument("--clock", required=True, help="the static clock_gettime loop (bench/dyn/clock.c)")
a = ap.parse_args()

CMDS = [("python3-pass", ["/usr/bin/python3", "-c", "pass"], ""),
        ("sqlite3-select1", ["/usr/bin/sqlite3", ":memory:", "select 1"], "1\n")]
LG_MACHINE = "microvm,x-option-roms=off,isa-serial=on,rtc=on,pit=on,pic=on"
COMMON = ["-accel", "tcg", "-cpu", "max", "-smp", "1", "-nodefaults", "-no-user-config",
          "-display", "none", "-no-reboot"]


def log(*x):
    print(*x, flush=True)


def load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def fmt(v, nd=1):
    v = [x for x in v if x is not None]
    if not v:
        return "-"
    f = "%%.%df" % nd
    return (f + " [" + f + "-" + f + "]") % (statistics.median(v), min(v), max(v))


def osprey(cmd, env=None):
    t0 = time.monotonic()
    p = subprocess.run([a.osprey, "run", "--accel", "tcg", "--mem", a.mem, "--bootchart"] + cmd,
                       capture_output=True, text=True, timeout=120, env=env)
    wall = (time.monotonic() - t0) * 1000
    ms = {}
    for line in p.stderr.splitlines():
        m = re.match(r"^\s*([0-9.]+) ms\s+[0-9.]+ ms\s+(.*\S)\s*$", line)
        if m:
            ms[m.group(2)] = float(m.group(1))
    return p, wall, ms.get("entering the app"), ms.get("app exited")


def linux(reps):
    append = ("console=ttyS0 quiet panic=-1 tsc_early_khz=%s tsc=reliable bench.reps=%d"
              % (a.tsc_khz, reps))
    cmd = [a.qemu, "-M", LG_MACHINE] + COMMON + ["-m", a.mem, "-serial", "stdio", "-kernel",
                                                  a.vmlinux, "-initrd", a.initrd, "-append", append]
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
    wall = (time.monotonic() - t0) * 1000
    text = p.stdout.decode(errors="replace")
    if "BENCH_DONE" not in text:
        log("  linux guest did not finish; console tail:\n" + text[-2000:])
    runs = {}
    m = re.search(r"LG_MICRO name=clock_gettime value=([0-9.]+)", text)
    if m:
        runs["clock_gettime-x"] = [float(m.group(1))]
    for m in re.finditer(r"LG_MICRO name=(\S+)-(\d+) value=([0-9.]+) status=(\d+)", text):
        if m.group(4) != "0":
            log("  linux: %s run %s exited with %s" % (m.group(1), m.group(2), m.group(4)))
        runs.setdefault(m.group(1), []).append(float(m.group(3)))
    init = re.search(r"\[\s*([0-9.]+)\]\s*LG_INIT", text)
    return runs, wall, float(init.group(1)) * 1000 if init else None, cmd


log("# osprey bench dyn, %s, %s" % (time.strftime("%Y-%m-%d %H:%M:%S %Z"), load()))
log("# %s; -m %s" % (subprocess.run([a.qemu, "--version"], capture_output=True, text=True).stdout.splitlines()[0], a.mem))

# ---- packing python3 ----
tmp = tempfile.mkdtemp(prefix="osprey-bench-")
img = os.path.join(tmp, "python3.img")
pack_ms = []
for i in range(5):
    t0 = time.monotonic()
    subprocess.run([a.osprey, "build", "/usr/bin/python3", "-o", img], check=True, capture_output=True)
    pack_ms.append((time.monotonic() - t0) * 1000)
size = os.path.getsize(img)
cold = None
try:
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    t0 = time.monotonic()
    subprocess.run([a.osprey, "build", "/usr/bin/python3", "-o", img], check=True, capture_output=True)
    cold = (time.monotonic() - t0) * 1000
except OSError:
    pass
os.unlink(img)
os.rmdir(tmp)
log("## pack: osprey build /usr/bin/python3 -o IMG: %s ms warm (5 runs), %s ms after dropping the page cache; image %.1f MiB"
    % (fmt(pack_ms), "%.0f" % cold if cold else "- (cannot drop caches)", size / 2**20))

# ---- the pairs ----
O = {n: dict(app=[], exit=[], wall=[], nocache=[]) for n, _, _ in CMDS}
L = {n: dict(first=[], warm=[]) for n, _, _ in CMDS}
lg_init = []
CLK = dict(osprey=[], linux=[])
for n, cmd, _ in CMDS:   # fill the image cache (not counted)
    osprey(cmd)
for r in range(a.rounds):
    log("## round %d; %s" % (r, load()))
    for n, cmd, want in CMDS:
        for i in range(a.reps):
            p, wall, app, exit_ = osprey(cmd)
            if p.returncode != 0 or p.stdout != want:
                log("  osprey %s FAILED: %d %r %s" % (n, p.returncode, p.stdout, p.stderr[-800:]))
                continue
            O[n]["app"].append(app); O[n]["exit"].append(exit_); O[n]["wall"].append(wall)
            log("  osprey %s: entering the app %.1f ms, app exited %.1f ms (PVH entry ->), wall %.0f ms"
                % (n, app, exit_, wall))
        env = dict(os.environ, OSPREY_IMAGE_CACHE="0")
        p, wall, _, exit_ = osprey(cmd, env)
        O[n]["nocache"].append(wall)
        log("  osprey %s, image cache off: wall %.0f ms" % (n, wall))
    p = subprocess.run([a.osprey, "run", "--accel", "tcg", a.clock, "1000000"], capture_output=True,
                       text=True, timeout=120)
    m = re.search(r"name=clock_gettime value=([0-9.]+)", p.stdout)
    CLK["osprey"].append(float(m.group(1)) if m else None)
    log("  osprey clock_gettime: %s ns/call" % (m.group(1) if m else "FAILED " + p.stderr[-300:]))
    runs, wall, init, lcmd = linux(a.reps)
    if r == 0:
        log("  linux: " + " ".join(lcmd))
    lg_init.append(init)
    CLK["linux"].extend(runs.get("clock_gettime-x", []))
    for n, _, _ in CMDS:
        v = runs.get(n, [])
        if v:
            L[n]["first"].append(v[0]); L[n]["warm"].extend(v[1:])
        log("  linux %s: %s ms (run 0 first)" % (n, ", ".join("%.1f" % x for x in v)))
    log("  linux boot: LG_INIT at %s ms (kernel time), whole QEMU run %.0f ms" % (init and "%.0f" % init, wall))

log("\n# summary: median [min-max]; %s" % load())
log("| command | Osprey: PVH entry -> exit | Osprey: `osprey run` wall | wall, cache off | Linux guest: first start -> exit | Linux guest: later starts |")
log("|---|---|---|---|---|---|")
for n, cmd, _ in CMDS:
    log("| `%s` | %s ms | %s ms | %s ms | %s ms | %s ms |" % (
        " ".join(cmd if " " not in cmd[-1] else cmd[:-1] + ["'%s'" % cmd[-1]]),
        fmt(O[n]["exit"]), fmt(O[n]["wall"], 0), fmt(O[n]["nocache"], 0), fmt(L[n]["first"]), fmt(L[n]["warm"])))
log("| Linux guest boot to /init (kernel time) | %s ms |" % fmt(lg_init, 0))
log("| clock_gettime(CLOCK_MONOTONIC), vDSO, ns/call | Osprey %s | Linux %s |" % (fmt(CLK["osprey"]), fmt(CLK["linux"])))
log("| pack python3 (`osprey build`) | %s ms warm, %s ms cold | image %.1f MiB |"
    % (fmt(pack_ms, 0), "%.0f" % cold if cold else "-", size / 2**20))
