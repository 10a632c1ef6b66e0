#!/bin/bash
# Counts what a micro benchmark costs under TCG from QEMU's own logs, per operation: the
# translation-block lookups (every `ret`, call through a pointer or jump table, and jump across
# a guest page: QEMU chains blocks only within a page) split kernel / app, and the guest
# instructions executed. Repeatable, unlike timings on a shared host. Two runs of N1 and N2
# operations; the difference divided by N2-N1 removes boot and exit.
#   bench/tb-lookups.sh [PROGRAM] [N1] [N2]   (default target/bench/micro/pthread-cond 5000 15000)
#   OSPREY_KERNEL=path/to/osprey-kernel bench/tb-lookups.sh ...   (another kernel, for A/B)
# Needs bench/run.sh build (or any osprey in target/release). The -d in_asm,exec,nochain run is
# slow (minutes) and writes a few hundred MB to /tmp.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROG=${1:-$ROOT/target/bench/micro/pthread-cond}
N1=${2:-5000}
N2=${3:-15000}
OSPREY=$ROOT/target/release/osprey
[ -x "$OSPREY" ] || OSPREY=$ROOT/target/bench/osprey
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
count() {  # MODE N -> "kernel_lookups app_lookups instructions"
  local mode=$1 n=$2
  printf '#!/bin/sh\nexec qemu-system-x86_64 "$@" -d %s -D %s/log\n' "$mode" "$W" >"$W/qemu"
  chmod +x "$W/qemu"
  rm -f "$W/log"
  "$OSPREY" run --accel tcg --qemu "$W/qemu" "$PROG" "$n" >/dev/null 2>&1
  python3 - "$W/log" <<'PY'
import re, sys
ins = {}; cur = None; k = a = n = 0
for l in open(sys.argv[1], errors="replace"):
    if l.startswith("IN:"):
        cur = []; continue
    if cur is not None:
        m = re.match(r"0x([0-9a-f]+):\s", l)
        if m:
            cur.append(int(m.group(1), 16)); continue
        if not l.strip():
            if cur: ins[cur[0]] = len(cur)
            cur = None; continue
    if l.startswith("Trace"):
        m = re.search(r"\[[0-9a-f]+/([0-9a-f]+)/", l)
        if m:
            pc = int(m.group(1), 16)
            if pc >= 0xffff800000000000: k += 1
            else: a += 1
            n += ins.get(pc, 0)
print(k, a, n)
PY
}
read -r k1 a1 _ <<<"$(count exec "$N1")"
read -r k2 a2 _ <<<"$(count exec "$N2")"
read -r _ _ i1 <<<"$(count in_asm,exec,nochain "$N1")"
read -r _ _ i2 <<<"$(count in_asm,exec,nochain "$N2")"
python3 -c "
d = $N2 - $N1
print('per operation of %s: kernel block lookups %.1f, app %.1f; guest instructions %.0f'
      % ('$(basename "$PROG")', ($k2 - $k1) / d, ($a2 - $a1) / d, ($i2 - $i1) / d))"
