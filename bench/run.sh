#!/bin/bash
# Osprey benchmarks against a Debian Linux guest on the same QEMU, accelerator (TCG, -cpu max),
# machine (microvm), -smp 1 and -m, run back to back in pairs. BENCHMARKS.md has the figures.
#   bench/run.sh            build everything, then measure all (about 3 minutes on 2 shared cores, plus a 70 MB download the first time)
#   bench/run.sh build      only build: osprey, the micro programs, the floor kernel, the Linux guest
#   bench/run.sh measure    only measure (after a build)
#   bench/run.sh dyn        Debian's python3 -c pass and sqlite3 :memory: 'select 1': Osprey
#                           (PVH entry -> exit, wall) vs the same binaries started in a booted
#                           Linux guest; clock_gettime through the vDSO in both; pack time and
#                           image size of python3 (bench/dyn/)
#   bench/run.sh net        servers under load from the host (memcached, redis, nginx, TCP ping-pong
#                           and streams): natively, in the Linux guest, in Osprey (bench/net/net.sh
#                           has the details and knobs: DUR, TARGETS, LOADS); net-build, net-perf
#                           (perf on the Linux guest's QEMU under memcached load)
#   bench/run.sh translated which kernel code QEMU translates while booting hello (-d in_asm),
#                           summed per function: under TCG boot time follows that count
# (bench/tb-lookups.sh counts translation-block lookups and guest instructions per operation
#  of a micro benchmark, from QEMU's logs: the repeatable measure behind the threads work)
# Knobs (environment): ONLY=syscall,mmap,threads,mutex,kmutex,boot,size,mem (sections), REPS=7 (pairs per micro
# benchmark), BOOT_REPS=10, SYSCALL_N=4000000, MMAP_ROUNDS=2, QEMU=qemu-system-x86_64,
# KVER=6.1.0-56-amd64 (the Debian kernel package of the Linux guest); for dyn: ROUNDS=3,
# DYN_REPS=3 (runs of each command per round), DYN_MEM=512M.
# Outputs (never committed) go to target/bench/: the programs, the floor kernel, the Linux guest
# (kernel .deb, vmlinux, initramfs), and results/<date>.txt + .json.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
T=$ROOT/target/bench
LG=$T/linux-guest
KVER=${KVER:-6.1.0-56-amd64}
QEMU=${QEMU:-qemu-system-x86_64}
MICROS="syscall mmap-touch hello futex-pingpong pthread-cond spawn-threads mutex-contend kmutex-contend pipe-herd"

deps() {  # what the build needs (the Rust target, QEMU, gcc, busybox-static, cpio, ...), installed when missing
  "$ROOT/scripts/install-deps.sh"
}

build() {
  deps
  (cd "$ROOT" && cargo build --release)
  # measure copies: others may rebuild target/release while this runs
  mkdir -p "$T"
  cp "$ROOT/target/release/osprey" "$T/osprey"
  # the kernel ELF that this osprey carries (build.rs builds it under target/kernel/; which
  # profile folder has moved over time, so take the one whose bytes are inside osprey)
  local k kernel=
  for k in "$ROOT"/target/kernel/x86_64-unknown-none/*/osprey-kernel; do
    python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read() not in open(sys.argv[2], "rb").read())' \
      "$k" "$T/osprey" && kernel=$k
  done
  [ -n "$kernel" ] || { echo "no kernel ELF under target/kernel/ matches the one inside osprey" >&2; exit 1; }
  cp "$kernel" "$T/osprey-kernel" && echo "$kernel" >"$T/osprey-kernel.path"
  (cd "$ROOT" && echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ' + uncommitted changes in crates/')") >"$T/osprey.version"
  mkdir -p "$T/micro" "$LG"
  for p in $MICROS; do gcc -O2 -Wall -static -pthread -o "$T/micro/$p" "$HERE/micro/$p.c"; done
  gcc -O2 -Wall -o "$T/tsckhz" "$HERE/micro/tsckhz.c"
  # the floor: an empty PVH kernel that exits QEMU at its first instruction
  as --64 -o "$T/empty-pvh.o" "$HERE/empty-pvh.S"
  ld -m elf_x86_64 -Ttext=0x100000 -e _start -o "$T/empty-pvh" "$T/empty-pvh.o"
  linux_guest
}

# The Linux guest, as /work/shared/bench/linux-guest/run.sh builds it, reduced to what the micro
# benchmarks need: Debian's kernel (its bzImage carries an xz-compressed ELF with a PVH note,
# which QEMU boots directly) and an uncompressed initramfs of busybox, the micro programs and
# bench/lg-init.sh as /init.
linux_guest() {
  if [ ! -f "$LG/vmlinux" ]; then
    (cd "$LG" && rm -f linux-image-*.deb && apt-get download "linux-image-$KVER")
    rm -rf "$LG/kpkg" && dpkg -x "$LG"/linux-image-"$KVER"_*.deb "$LG/kpkg"
    python3 - "$LG/kpkg/boot/vmlinuz-$KVER" "$LG/vmlinux" <<'EOF'
import lzma, sys
d = open(sys.argv[1], "rb").read(); i = d.find(b"\xfd7zXZ\x00")
elf = lzma.LZMADecompressor().decompress(d[i:]); assert elf[:4] == b"\x7fELF"
open(sys.argv[2], "wb").write(elf)
EOF
    rm -rf "$LG/kpkg"
  fi
  local r=$LG/rootfs
  rm -rf "$r" && mkdir -p "$r"/{bin,dev,proc,micro}
  cp /bin/busybox "$r/bin/"
  for a in sh mount cat poweroff; do ln -s busybox "$r/bin/$a"; done
  cp "$T"/micro/* "$r/micro/"
  cp "$HERE/lg-init.sh" "$r/init"
  (cd "$r" && find . | cpio -o -H newc --quiet >"$LG/initrd.cpio")
  ls -la "$LG/vmlinux" "$LG/initrd.cpio"
}

measure() {
  local stamp out
  stamp=$(date +%Y-%m-%d-%H%M%S)
  mkdir -p "$T/results"
  out=$T/results/$stamp
  echo "osprey: $(cat "$T/osprey.version") (copied at build time to $T/osprey); kernel: $(cat "$T/osprey-kernel.path")"
  echo "tsc: measuring the host TSC frequency (the Linux guest's tsc_early_khz)"
  python3 "$HERE/measure.py" --osprey "$T/osprey" --kernel-elf "$T/osprey-kernel" \
    --stripped "$T/osprey-kernel.stripped" --micro "$T/micro" --floor "$T/empty-pvh" \
    --vmlinux "$LG/vmlinux" --initrd "$LG/initrd.cpio" --tsc-khz "$("$T/tsckhz")" --qemu "$QEMU" \
    --reps "${REPS:-7}" --boot-reps "${BOOT_REPS:-10}" --syscall-n "${SYSCALL_N:-4000000}" \
    --mmap-rounds "${MMAP_ROUNDS:-2}" --only "${ONLY:-syscall,mmap,threads,mutex,kmutex,boot,size,mem}" --json "$out.json" \
    | tee "$out.txt"
  echo "results: $out.txt $out.json"
}

# The Linux guest of `dyn`: the micro guest's busybox, /timeit and bench/dyn/init.sh as /init,
# followed by the archives `osprey build` writes for Debian's python3 and sqlite3 (the CLI's own
# packing: program, loader, libraries, python's stdlib; the kernel unpacks concatenated newc
# archives in order, as Osprey's does).
dyn_guest() {
  [ -f "$LG/vmlinux" ] || linux_guest
  gcc -O2 -Wall -static -o "$T/timeit" "$HERE/dyn/timeit.c"
  gcc -O2 -Wall -static -o "$T/clock" "$HERE/dyn/clock.c"
  local r=$LG/dyn-rootfs
  rm -rf "$r" && mkdir -p "$r"/{bin,dev,proc,root,tmp}
  cp /bin/busybox "$r/bin/"
  for a in sh mount cat poweroff; do ln -s busybox "$r/bin/$a"; done
  cp "$T/timeit" "$r/timeit"
  cp "$T/clock" "$r/clock"
  cp "$HERE/dyn/init.sh" "$r/init" && chmod 755 "$r/init"
  (cd "$r" && find . | cpio -o -H newc --quiet >"$LG/dyn-base.cpio")
  OSPREY_IMAGE_CACHE=0 "$T/osprey" build /usr/bin/python3 -o "$LG/dyn-python3.img"
  OSPREY_IMAGE_CACHE=0 "$T/osprey" build /usr/bin/sqlite3 -o "$LG/dyn-sqlite3.img"
  cat "$LG/dyn-base.cpio" "$LG/dyn-python3.img" "$LG/dyn-sqlite3.img" >"$LG/dyn-initrd.cpio"
  ls -la "$LG/dyn-initrd.cpio"
}

dyn() {
  deps
  [ -x "$T/osprey" ] || build
  dyn_guest
  local out
  mkdir -p "$T/results"
  out=$T/results/dyn-$(date +%Y-%m-%d-%H%M%S)
  echo "osprey: $(cat "$T/osprey.version")"
  python3 "$HERE/dyn/measure.py" --osprey "$T/osprey" --vmlinux "$LG/vmlinux" \
    --initrd "$LG/dyn-initrd.cpio" --tsc-khz "$("$T/tsckhz")" --qemu "$QEMU" \
    --clock "$T/clock" --rounds "${ROUNDS:-3}" --reps "${DYN_REPS:-3}" --mem "${DYN_MEM:-512M}" | tee "$out.txt"
  echo "results: $out.txt"
}

translated() {
  local w=$T/qemu-in-asm.sh
  printf '#!/bin/sh\nexec %s "$@" -d in_asm -D %s\n' "$QEMU" "$T/in-asm.log" >"$w" && chmod +x "$w"
  rm -f "$T/in-asm.log"
  "$T/osprey" run --accel tcg --qemu "$w" --bootchart "$T/micro/hello"
  python3 "$HERE/translated.py" "$T/in-asm.log" "$T/osprey-kernel" 30
}

case ${1:-all} in
  build) build ;;
  measure) measure ;;
  translated) translated ;;
  dyn) dyn ;;
  net) bash "$HERE/net/net.sh" all ;;
  net-build) bash "$HERE/net/net.sh" build ;;
  net-perf) bash "$HERE/net/net.sh" perf ;;
  net-perf-osprey) bash "$HERE/net/net.sh" perf-osprey ;;
  all) build; measure ;;
  *) awk 'NR > 1 && /^#/ {print; next} NR > 1 {exit}' "$0"; exit 2 ;;
esac
