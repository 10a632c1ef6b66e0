#!/bin/bash
# bench/run.sh net: servers under load from the host, in three places, back to back:
#   host    the same binaries and arguments natively on 127.0.0.1 (the ceiling)
#   linux   Debian's 6.1 kernel as a guest: same QEMU, TCG, -cpu max, microvm, -smp 1, -m 256M,
#           user networking with the port forwarded to 127.0.0.1 (hostfwd)
#   osprey  osprey run --accel tcg --mem 256M -p HOST:GUEST (QEMU user networking too)
# Loads (DUR seconds each; host-side generators, all bounded in time or count):
#   memcached  mcload (closed loop, GETs with 10% SETs, 64-byte values) at 1 and 16 connections:
#              ops/s and p99
#   redis      redis-benchmark -t set,get -d 64 -r 10000 at 1 and 16 connections (-n sized from
#              a 2,000-request probe so that each lasts about DUR): rps and p99
#   nginx      wrk -t1 --latency on a 612-byte index.html at 1 and 16 connections: req/s, p99
#   tcp        tcp_bench: 1-byte ping-pong (mean and p99 round trip), stream host->guest and
#              guest->host (MB/s)
# Server command lines (the same in all three places; only the port differs on the host):
#   memcached -u root -t 2 -m 64
#   redis-server --save '' --appendonly no --protected-mode no
#   nginx -g 'daemon off; master_process off;'   (tests/net/nginx.conf as /etc/nginx/nginx.conf)
#   tcp_bench server 7000
# Knobs: DUR=10, ROUNDS=1 (rounds per load: each round runs every target once, in order, so
#   the guests alternate and each round is a same-moment pair; the summary gives the median of
#   each target's figures and the median [min-max] of the rounds' ratios),
#   TARGETS="host linux osprey" (osprey-chan: Osprey with net channels on),
#   LOADS="memcached redis nginx tcp", QEMU,
#   NET=user (default: QEMU's user network, ports forwarded to 127.0.0.1) or NET=tap: both
#   guests on a tap device in a private network namespace (ospbench, 10.213.5.0/24; needs
#   root), the load generators in that namespace talking straight to the guest's 10.213.5.2
#   (no slirp: the host kernel moves the frames). The host target is unchanged.
#   With NET=user both guests' QEMU run with crates/cli/shim/listen_backlog.c preloaded
#   (osprey run does it itself; this script does it for the Linux guest's QEMU): slirp
#   listens on a forwarded port with a backlog of 1, and a burst of connections (wrk opens
#   its 16 at once) then waits for TCP retransmissions on the host, 0.2 to 1 s, whatever the
#   guest does (BENCHMARKS.md, "The 1 s p99"); the shim gives listen() a backlog of 128.
#   SLIRP_BACKLOG_SHIM=0 measures both with QEMU's own backlog.
# `bench/run.sh net-perf` profiles the Linux guest's QEMU under memcached load (perf record);
# `bench/net/net.sh perf-osprey` does the same for Osprey (its --verbose log, in
# target/bench/net/out/osprey-memcached.log, has the kernel's network counters every 5 s).
# Results: target/bench/results/net-<date>.txt (the NET lines and a summary table).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$ROOT/target/bench
LG=$T/linux-guest
N=$T/net
KVER=${KVER:-6.1.0-56-amd64}
QEMU=${QEMU:-qemu-system-x86_64}
DUR=${DUR:-10}
ROUNDS=${ROUNDS:-1}
TARGETS=${TARGETS:-host linux osprey}
LOADS=${LOADS:-memcached redis nginx tcp}
MEM=256M
CONF=$ROOT/tests/net/nginx.conf
RB_MAX=${RB_MAX:-2000000}
NET=${NET:-user}
NETNS=ospbench TAP=osptap0 TAP_HOST=10.213.5.1 TAP_GUEST=10.213.5.2

say() { echo "net: $*" >&2; }

deps() {
  local p pk=
  for p in memcached redis-server redis-tools nginx-light wrk libmemcached-tools busybox-static \
           cpio gcc qemu-system-x86 python3; do
    dpkg -s $p >/dev/null 2>&1 || pk="$pk $p"
  done
  [ -z "$pk" ] || { say "apt-get install$pk"; apt-get install -y -q --no-install-recommends $pk; }
}

# The Linux guest's initramfs: busybox, Debian's virtio-net modules, the four servers with their
# libraries, nginx's configuration and site, bench/net/init.sh as /init.
build() {
  deps
  mkdir -p "$N" "$LG"
  gcc -O2 -Wall -static -pthread -o "$N/tcp_bench" "$HERE/tcp_bench.c"
  gcc -O2 -Wall -o "$N/mcload" "$HERE/mcload.c"
  shim
  gcc -O2 -Wall -o "$T/tsckhz" "$HERE/../micro/tsckhz.c"
  rm -rf "$N/site" && mkdir -p "$N/site"
  # 612 bytes, the size of nginx's own welcome page
  python3 -c 'import sys; b = b"<!DOCTYPE html>\n<html><body><p>" + b"x" * 570 + b"</p></body></html>\n"; sys.stdout.buffer.write(b[:611] + b"\n")' >"$N/site/index.html"
  if [ ! -f "$LG/vmlinux" ] || ! ls "$LG"/linux-image-"$KVER"_*.deb >/dev/null 2>&1; then
    (cd "$LG" && rm -f linux-image-*.deb && apt-get download "linux-image-$KVER")
  fi
  rm -rf "$N/kpkg" && dpkg -x "$LG"/linux-image-"$KVER"_*.deb "$N/kpkg"
  [ -f "$LG/vmlinux" ] || python3 - "$N/kpkg/boot/vmlinuz-$KVER" "$LG/vmlinux" <<'EOF'
import lzma, sys
d = open(sys.argv[1], "rb").read(); i = d.find(b"\xfd7zXZ\x00")
elf = lzma.LZMADecompressor().decompress(d[i:]); assert elf[:4] == b"\x7fELF"
open(sys.argv[2], "wb").write(elf)
EOF
  local r=$N/rootfs kmod=$N/kpkg/lib/modules/$KVER/kernel m f
  rm -rf "$r" && mkdir -p "$r"/{bin,dev,proc,sys,tmp,lib/modules,usr/bin,usr/sbin,etc/nginx,var/www,root}
  cp /bin/busybox "$r/bin/"
  for a in $("$r/bin/busybox" --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  for m in drivers/virtio/{virtio_ring,virtio,virtio_mmio}.ko net/core/failover.ko \
           drivers/net/{net_failover,virtio_net}.ko; do
    cp "$kmod/$m" "$r/lib/modules/"
  done
  cp /usr/bin/memcached "$r/usr/bin/"
  cp -L /usr/bin/redis-server "$r/usr/bin/redis-server"
  cp /usr/sbin/nginx "$r/usr/sbin/"
  cp "$N/tcp_bench" "$r/usr/bin/"
  for f in tcp_echo_epoll udp_echo http_get tcp_client_cases; do
    gcc -O2 -Wall -static -I"$ROOT/tests/programs" -o "$r/usr/bin/$f" "$ROOT/tests/programs/$f.c"
  done
  for f in $( (ldd /usr/bin/memcached; ldd /usr/bin/redis-server; ldd /usr/sbin/nginx) | grep -o '/[^ ]*' | sort -u); do
    cp --parents -L "$f" "$r/"
  done
  cp "$CONF" "$r/etc/nginx/nginx.conf"
  cp "$N/site/index.html" "$r/var/www/"
  echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
  echo "root:x:0:" >"$r/etc/group"
  cp "$HERE/init.sh" "$r/init" && chmod 755 "$r/init"
  (cd "$r" && find . | cpio -o -H newc --quiet >"$N/initrd.cpio")
  rm -rf "$N/kpkg"
  # the osprey under test: built now and copied (others may rebuild target/release meanwhile)
  (cd "$ROOT" && cargo build --release)
  cp "$ROOT/target/release/osprey" "$T/osprey"
  (cd "$ROOT" && echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ' + uncommitted changes in crates/')") >"$T/osprey.version"
  ls -la "$LG/vmlinux" "$N/initrd.cpio" "$N/tcp_bench" "$N/mcload"
}

# The listen() backlog shim preloaded into the Linux guest's QEMU with NET=user (see the
# header; osprey preloads its own copy, OSPREY_SLIRP_BACKLOG=0 turns that off).
SHIM=()
OSHIM=()
shim() {
  if [ "${SLIRP_BACKLOG_SHIM:-1}" != 1 ]; then SHIM=(); OSHIM=(env OSPREY_SLIRP_BACKLOG=0); return 0; fi
  [ "$NET" = user ] || { SHIM=(); OSHIM=(); return 0; }
  local src="$ROOT/crates/cli/shim/listen_backlog.c"
  [ "$N/listen_backlog.so" -nt "$src" ] ||
    gcc -O2 -Wall -shared -fPIC -o "$N/listen_backlog.so" "$src" -ldl
  SHIM=(env "LD_PRELOAD=$N/listen_backlog.so")
  OSHIM=()
}

net_up() {  # the namespace and its tap (NET=tap)
  ip netns list | grep -qw $NETNS && return 0
  ip netns add $NETNS
  ip -n $NETNS link set lo up
  ip -n $NETNS tuntap add dev $TAP mode tap
  ip -n $NETNS addr add $TAP_HOST/24 dev $TAP
  ip -n $NETNS link set $TAP up
}
net_down() { ! ip netns list | grep -qw $NETNS || ip netns del $NETNS; }

# ADDR and IN (a command prefix) say where a target's server is reached from and how clients
# run: 127.0.0.1 from the host, or the guest's address from inside the namespace (NET=tap).
ADDR=127.0.0.1 IN=()
place_clients() {  # TARGET
  if [ "$NET" = tap ] && [ "$1" != host ]; then ADDR=$TAP_GUEST IN=(ip netns exec $NETNS)
  else ADDR=127.0.0.1 IN=(); fi
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# what each app answers to a probe: SEND EXPECT
probe_of() {
  case $1 in
    memcached) echo 'version\r\n|VERSION ' ;;
    redis) echo 'PING\r\n|+PONG' ;;
    nginx) echo 'GET /index.html HTTP/1.0\r\n\r\n|HTTP/1.1 200' ;;
    tcpbench) echo 'Px|x' ;;
    echo) echo 'ready?\n|ready?' ;;
  esac
}
guest_port_of() { case $1 in memcached) echo 11211 ;; redis) echo 6379 ;; nginx) echo 80 ;; tcpbench|echo) echo 7000 ;; esac; }
app_of_load() { case $1 in tcp) echo tcpbench ;; *) echo "$1" ;; esac; }

wait_ready() {  # PORT APP
  local p
  IFS='|' read -r -a p <<<"$(probe_of "$2")"
  "${IN[@]}" python3 "$HERE/probe.py" "$ADDR" "$1" "${p[0]}" "${p[1]}" "${READY_TIMEOUT:-120}"
}

SPID=
stop_server() {  # SIGTERM, up to 10 s grace (osprey stops its QEMU), then SIGKILL
  local pid=$SPID; SPID=
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}
trap stop_server EXIT

osprey_has_publish() { "$T/osprey" run --help 2>&1 | grep -qE -- '(^|[ ,])-p[ ,]|--publish'; }

# start_server TARGET APP PORT: the app listening on 127.0.0.1:PORT (host) or forwarded there;
# with NET=tap a guest's app listens on its own port at $TAP_GUEST (PORT is then that port)
start_server() {
  local target=$1 app=$2 hp=$3 gp log
  gp=$(guest_port_of "$app")
  place_clients "$target"
  log=$N/out/$target-$app.log
  mkdir -p "$N/out"
  case $target in
    host)
      case $app in
        memcached) memcached -u root -t 2 -m 64 -p "$hp" -l 127.0.0.1 >"$log" 2>&1 & SPID=$! ;;
        redis) redis-server --save '' --appendonly no --protected-mode no --port "$hp" --bind 127.0.0.1 >"$log" 2>&1 & SPID=$! ;;
        nginx)
          sed -e "s#listen 80 #listen 127.0.0.1:$hp #; s#root /var/www;#root $N/site;#; s#/tmp/nginx#$N/out/nginx#g" \
            "$CONF" >"$N/out/nginx-host.conf"
          nginx -c "$N/out/nginx-host.conf" -g 'daemon off; master_process off;' >"$log" 2>&1 & SPID=$! ;;
        tcpbench) "$N/tcp_bench" server "$hp" >"$log" 2>&1 & SPID=$! ;;
      esac ;;
    linux)
      local ip=10.0.2.15/24 gw=10.0.2.2 nd="user,id=n0,hostfwd=tcp:127.0.0.1:$hp-:$gp" pre=()
      [ "$NET" = tap ] && { ip=$TAP_GUEST/24 gw=$TAP_HOST nd="tap,id=n0,ifname=$TAP,script=no,downscript=no" pre=(ip netns exec $NETNS); }
      local args="console=ttyS0 quiet panic=-1 tsc_early_khz=$("$T/tsckhz") tsc=reliable net.app=$app net.ip=$ip net.gw=$gw"
      local q=("${pre[@]}" "${SHIM[@]}" "$QEMU" -M microvm,x-option-roms=off,isa-serial=on,rtc=on,pit=on,pic=on -accel tcg -cpu max
               -smp 1 -m "$MEM" -nodefaults -no-user-config -display none -serial stdio -no-reboot
               -kernel "$LG/vmlinux" -initrd "$N/initrd.cpio"
               -netdev "$nd" -device virtio-net-device,netdev=n0
               -append "$args" ${QEMU_EXTRA:-})
      echo "+ ${q[*]}" >"$log"
      "${q[@]}" </dev/null >>"$log" 2>&1 & SPID=$!
      for _ in $(seq 1200); do grep -q NET_READY "$log" && break; kill -0 $SPID 2>/dev/null || break; sleep 0.1; done
      grep -q NET_READY "$log" || { say "the Linux guest did not become ready:"; tail -20 "$log" >&2; return 1; } ;;
    osprey|osprey-chan)
      # osprey-chan: the same with net channels on (kernel command line netchan=1)
      local o=("$T/osprey" run --accel tcg --mem "$MEM" ${OSPREY_EXTRA:-} -p "$hp:$gp")
      [ "$NET" = tap ] && o=(ip netns exec $NETNS "$T/osprey" run --accel tcg --mem "$MEM"
                             ${OSPREY_EXTRA:-} --net "tap:$TAP" --ip "$TAP_GUEST/24" --gw "$TAP_HOST")
      case $app in
        memcached) o+=(/usr/bin/memcached -u root -t 2 -m 64) ;;
        redis) o+=(/usr/bin/redis-server --save '' --appendonly no --protected-mode no) ;;
        nginx) o+=(-v "$N/site:/var/www" --include "$CONF:/etc/nginx/nginx.conf" /usr/sbin/nginx -g 'daemon off; master_process off;') ;;
        tcpbench) o+=("$N/tcp_bench" server 7000) ;;
      esac
      local kc=${OSPREY_KERNEL_CMDLINE:-}
      [ "$target" = osprey-chan ] && kc="$kc netchan=1"
      echo "+ OSPREY_KERNEL_CMDLINE='$kc' ${o[*]}" >"$log"
      OSPREY_KERNEL_CMDLINE="$kc" "${OSHIM[@]}" "${o[@]}" </dev/null >>"$log" 2>&1 & SPID=$! ;;
  esac
  local rp=$hp
  [ "$NET" = tap ] && [ "$target" != host ] && rp=$gp
  wait_ready "$rp" "$app" || { tail -20 "$log" >&2; return 1; }
}

# result TARGET LOAD VALUE UNIT [P99]
# "-": the load failed. ROUND is measure's round number.
result() { echo "NET target=$1 load=$2 value=${3:--} unit=$4 p99=${5:--} round=${ROUND:-1}"; }

load_memcached() {  # TARGET PORT
  local c line
  for c in 1 16; do
    line=$(timeout $((DUR + 60)) "${IN[@]}" "$N/mcload" "$ADDR" "$2" -c $c -t "$DUR")
    echo "# mcload -c $c: $line"
    result "$1" "memcached-c$c" "$(sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p' <<<"$line")" ops/s \
      "$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")us"
  done
}

load_redis() {  # TARGET PORT: redis-benchmark is count-based; a probe sizes -n to last ~DUR
  local c rps n csv t
  for c in 1 16; do
    rps=$(timeout 120 "${IN[@]}" redis-benchmark -h "$ADDR" -p "$2" -c $c -n 2000 -t get --csv | awk -F'"' '/GET/ {print int($4)}')
    n=$(( ${rps:-1000} * DUR )); [ "$n" -gt "$RB_MAX" ] && n=$RB_MAX
    csv=$(timeout $((DUR * 8 + 60)) "${IN[@]}" redis-benchmark -h "$ADDR" -p "$2" -c $c -n "$n" -d 64 -r 10000 -t set,get --csv)
    echo "# redis-benchmark -c $c -n $n -d 64 -r 10000 -t set,get (probe $rps rps):"; sed 's/^/#   /' <<<"$csv"
    for t in SET GET; do
      # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      result "$1" "redis-$t-c$c" "$(awk -F'"' -v t=$t '$2 == t {print int($4)}' <<<"$csv")" rps \
        "$(awk -F'"' -v t=$t '$2 == t {printf "%dus", $14 * 1000}' <<<"$csv")"
    done
  done
}

load_nginx() {  # TARGET PORT
  local c out
  for c in 1 16; do
    out=$(timeout $((DUR + 60)) "${IN[@]}" wrk -t1 -c$c -d"${DUR}s" --latency "http://$ADDR:$2/index.html")
    echo "# wrk -t1 -c$c -d${DUR}s --latency:"; sed 's/^/#   /' <<<"$out"
    result "$1" "nginx-c$c" "$(awk '/^Requests\/sec:/ {print int($2)}' <<<"$out")" req/s \
      "$(awk '$1 == "99%" {print $2}' <<<"$out")"
  done
}

load_tcp() {  # TARGET PORT
  local line
  line=$(timeout $((DUR + 60)) "${IN[@]}" "$N/tcp_bench" pingpong "$ADDR" "$2" "$DUR"); echo "# $line"
  result "$1" tcp-pingpong-rtt "$(sed -n 's/.* value=\([0-9.]*\).*/\1/p' <<<"$line")" us \
    "$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")us"
  line=$(timeout $((DUR + 60)) "${IN[@]}" "$N/tcp_bench" stream "$ADDR" "$2" "$DUR"); echo "# $line"
  result "$1" tcp-stream-to-guest "$(sed -n 's/.* value=\([0-9.]*\).*/\1/p' <<<"$line")" MB/s
  line=$(timeout $((DUR + 60)) "${IN[@]}" "$N/tcp_bench" stream-rx "$ADDR" "$2" "$DUR"); echo "# $line"
  result "$1" tcp-stream-from-guest "$(sed -n 's/.* value=\([0-9.]*\).*/\1/p' <<<"$line")" MB/s
}

measure() {
  [ -f "$N/initrd.cpio" ] || build
  local target load app hp out stamp
  stamp=$(date +%Y-%m-%d-%H%M%S)
  mkdir -p "$T/results"
  out=$T/results/net-$stamp.txt
  {
    trap stop_server EXIT
    echo "# bench/run.sh net, $(date -Is), DUR=$DUR s, ROUNDS=$ROUNDS, $(nproc) host CPUs, QEMU $("$QEMU" --version | head -1)"
    echo "# osprey: $(cat "$T/osprey.version" 2>/dev/null || echo "$T/osprey")"
    shim
    echo "# network: NET=$NET$([ "$NET" = tap ] && echo " (namespace $NETNS, guests at $TAP_GUEST, clients in the namespace)")$([ ${#SHIM[@]} -gt 0 ] && echo ", QEMU with crates/cli/shim/listen_backlog.c preloaded (hostfwd listen backlog 128)")"
    [ "$NET" = tap ] && net_up
    for load in $LOADS; do
      app=$(app_of_load "$load")
      for ROUND in $(seq "$ROUNDS"); do
      for target in $TARGETS; do
        if [ "${target%-chan}" = osprey ] && ! osprey_has_publish; then
          echo "# osprey $load: pending (this osprey has no -p: networking lands in session 3)"
          continue
        fi
        hp=$(free_port)
        place_clients "$target"
        local lp=$hp
        [ "$NET" = tap ] && [ "$target" != host ] && lp=$(guest_port_of "$app")
        echo "# === $target $load ($ADDR:$lp), $(uptime | sed 's/.*load/load/')"
        if start_server "$target" "$app" "$hp"; then
          "load_$load" "$target" "$lp" || echo "# $target $load: the load failed"
        else
          echo "# $target $load: the server did not start (log: $N/out/$target-$app.log)"
        fi
        stop_server
      done
      done
    done
  } | tee "$out"
  summary "$out" | tee -a "$out"
  echo "results: $out"
}

summary() {  # the NET lines of a results file as a table: load, unit, host, linux, osprey, ratios
  # With several rounds: each target's median figure (and the p99 of that run), and the median
  # [min-max] of the per-round ratios against the Linux guest of the same round.
  awk '
    function median(list,   a, m, i, j, t) {
      m = split(list, a, " "); if (m == 0) return ""
      for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
    function lo(list,   a, m, i, x) { m = split(list, a, " "); x = a[1]; for (i = 2; i <= m; i++) if (a[i] + 0 < x + 0) x = a[i]; return x }
    function hi(list,   a, m, i, x) { m = split(list, a, " "); x = a[1]; for (i = 2; i <= m; i++) if (a[i] + 0 > x + 0) x = a[i]; return x }
    $1 == "NET" { delete f; f["round"] = 1
      for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      k = f["load"]; t = f["target"]; u[k] = f["unit"]
      if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      if (f["value"] != "-") { v[k, t] = v[k, t] " " f["value"]; p[k, t, f["value"]] = f["p99"]; r[k, t, f["round"]] = f["value"]; nr[k, t]++ }
      else if (!((k, t) in v)) failed[k, t] = 1
      if (f["round"] > rounds) rounds = f["round"] }
    END {
      print ""; print "## summary (" (rounds > 1 ? "medians of " rounds " rounds; " : "") "p99 in parentheses)"
      printf "%-24s %-6s %18s %18s %18s %18s %22s %22s\n", "load", "unit", "host", "linux guest", "osprey", "osprey netchan", "osprey/linux", "netchan/linux"
      for (i = 1; i <= n; i++) { k = order[i]; printf "%-24s %-6s", k, u[k]
        for (j = 1; j <= 4; j++) { t = (j == 1 ? "host" : j == 2 ? "linux" : j == 3 ? "osprey" : "osprey-chan")
          if ((k, t) in v) { m = median(v[k, t]); s = m; if (nr[k, t] % 2 && p[k, t, m] != "-" && p[k, t, m] != "") s = s " (" p[k, t, m] ")" }
          else s = ((k, t) in failed) ? "failed" : "-"
          printf " %18s", s }
        for (j = 3; j <= 4; j++) { t = (j == 3 ? "osprey" : "osprey-chan"); ratios = ""
          for (q = 1; q <= rounds; q++) if ((k, t, q) in r && (k, "linux", q) in r && r[k, "linux", q] > 0 && r[k, t, q] > 0)
            ratios = ratios " " (u[k] == "us" ? r[k, "linux", q] / r[k, t, q] : r[k, t, q] / r[k, "linux", q])
          s = "-"
          if (ratios != "") { s = sprintf("%.2fx", median(ratios)); if (rounds > 1) s = s sprintf(" [%.2f-%.2f]", lo(ratios), hi(ratios)) }
          printf " %22s", s }
        printf "\n" } }' "$1"
}

# Where a Linux guest's time goes under TCG while it serves memcached (mcload, 16 connections):
# CPU time of each QEMU thread (named with debug-threads=on: the vCPU thread is "CPU 0/TCG"),
# then perf on the QEMU process (no call graphs): samples per thread, per object, per symbol.
# "[JIT]" samples are the guest's own code as TCG translated it (guest kernel and memcached).
perf_linux() {
  [ -f "$N/initrd.cpio" ] || build
  command -v perf >/dev/null || { say "perf is missing (apt-get install linux-perf)"; exit 1; }
  local hp out=$T/results/net-perf-$(date +%Y-%m-%d-%H%M%S)
  mkdir -p "$T/results"
  hp=$(free_port)
  local target=${PERF_TARGET:-linux} qpid
  if [ "$target" = linux ]; then
    QEMU_EXTRA="-name lg,debug-threads=on" start_server linux memcached "$hp"
    qpid=$SPID
  else  # osprey starts QEMU itself: a wrapper names its threads
    printf '#!/bin/sh\nexec %s -name osprey,debug-threads=on "$@"\n' "$QEMU" >"$T/qemu-named"
    chmod +x "$T/qemu-named"
    OSPREY_EXTRA="--qemu $T/qemu-named --verbose" start_server "$target" memcached "$hp"
    qpid=$(pgrep -P "$SPID" | head -1)
  fi
  echo "# $(uptime | sed 's/.*load/load/')" | tee "$out.txt"
  ( sleep 2; timeout $((DUR + 30)) perf record -F 999 -o "$out.data" -p "$qpid" -- sleep "$DUR" ) 2>"$out.perf-record.log" &
  local ppid=$!
  # per thread: name, on-CPU ns, ns runnable but waiting for a host CPU (schedstat)
  threads() { local t; for t in /proc/$qpid/task/*; do echo "$(tr ' ' _ <$t/comm) $(cut -d' ' -f1,2 $t/schedstat)"; done; }
  sleep 2; threads >"$out.t0"; local t0=$(date +%s%N)
  "$N/mcload" 127.0.0.1 "$hp" -c 16 -t "$DUR" | tee -a "$out.txt" &
  local lpid=$!
  sleep "$DUR"; threads >"$out.t1"; local t1=$(date +%s%N)
  wait $lpid || true
  wait $ppid || true
  stop_server
  {
    echo "## each QEMU thread during the load: % of the wall time running on a host CPU / runnable but waiting for one"
    awk -v ns="$(( t1 - t0 ))" '
      NR == FNR { r[$1] += $2; w[$1] += $3; next } { R[$1] += $2; W[$1] += $3 }
      END { for (k in R) if (R[k] > r[k]) printf "  %-20s running %5.1f%%  waiting for a CPU %5.1f%%\n", k, (R[k] - r[k]) * 100 / ns, (W[k] - w[k]) * 100 / ns }' "$out.t0" "$out.t1" | sort -k3 -rn
    echo "## perf samples per thread"
    perf report -i "$out.data" --sort comm --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -10
    echo "## per shared object"
    perf report -i "$out.data" --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
    echo "## per thread and object"
    perf report -i "$out.data" --sort comm,dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -16
    echo "## symbols (top 30)"
    perf report -i "$out.data" --sort comm,dso,sym --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30
  } | tee -a "$out.txt"
  echo "results: $out.txt (perf data: $out.data)"
}

case ${1:-all} in
  build) build ;;
  measure) measure ;;
  perf) perf_linux ;;
  perf-osprey) PERF_TARGET=osprey perf_linux ;;
  summary) summary "$2" ;;
  net-up) net_up ;;
  net-down) net_down ;;
  all) build; measure ;;
  *) awk 'NR > 1 && /^#/ {print; next} NR > 1 {exit}' "$0"; exit 2 ;;
esac
