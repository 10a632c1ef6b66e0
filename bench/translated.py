#!/usr/bin/env python3
"""Where boot time goes under TCG: QEMU translates each guest basic block the first time it
runs (about 1-2 us per guest instruction here), so a boot costs roughly its count of distinct
instructions executed. `bench/run.sh translated` runs `osprey run hello` with QEMU's
`-d in_asm` log (every block it translates) and this script sums the log per kernel function.
    translated.py IN_ASM_LOG KERNEL_ELF [TOP]"""
import bisect, collections, re, subprocess, sys

log, elf = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
syms = []
for line in subprocess.run(["nm", "-C", "--defined-only", elf], capture_output=True, text=True).stdout.splitlines():
    p = line.split(" ", 2)
    if len(p) == 3 and p[1] in "tTwW":
        syms.append((int(p[0], 16), re.sub(r"::h[0-9a-f]{16}$", "", p[2])))
syms.sort()
addrs = [s[0] for s in syms]
blocks, insns, seen = 0, 0, set()
per_fn, per_crate = collections.Counter(), collections.Counter()
for line in open(log, errors="replace"):
    if line.startswith("IN:"):
        blocks += 1
        continue
    m = re.match(r"^0x([0-9a-f]+):", line)
    if not m:
        continue
    insns += 1
    a = int(m.group(1), 16)
    if a in seen:
        continue
    seen.add(a)
    if a < 0xffffffff80000000:
        fn = "(the app, below the kernel)"
    else:
        i = bisect.bisect_right(addrs, a) - 1
        fn = syms[i][1] if i >= 0 else "?"
    per_fn[fn] += 1
    m = re.match(r"^<?&?(?:mut )?([A-Za-z_0-9]+)::", fn)
    per_crate[m.group(1) if m else fn] += 1
print("%d blocks translated, %d instructions, %d distinct addresses" % (blocks, insns, len(seen)))
print("\ndistinct instructions by crate (first path segment):")
for k, v in per_crate.most_common(15):
    print("%7d  %s" % (v, k))
print("\ndistinct instructions by function (top %d):" % top)
for k, v in per_fn.most_common(top):
    print("%7d  %s" % (v, k[:140]))
