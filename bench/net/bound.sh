#!/bin/bash
# What the best possible guest kernel could reach at one connection: the Linux guest's time per
# request divided by Osprey's time per request *without its kernel* (app code, QEMU, slirp, the
# host's loopback and the client: what no guest kernel can remove). Osprey's kernel share comes
# from --profile (kernel samples, plus the interrupt-driven network polls it files under "idle"
# that are not the idle loop itself), spread over the requests of the load. Same run: the Linux
# guest first (bench/net/net.sh), then Osprey with the profiler, ROUNDS times.
#   bench/net/bound.sh [memcached|redis] [ROUNDS]
# The profiler's own interrupts make Osprey a little slower, so the bound is on the safe side
# for Osprey (its time without the kernel is, if anything, overstated less than its total).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APP=${1:-memcached}
ROUNDS=${2:-2}
OUT=$ROOT/target/bench/net/bound
mkdir -p "$OUT"
MCLOAD=$ROOT/target/bench/net/mcload
[ -x "$MCLOAD" ] || { MCLOAD=$OUT/mcload; gcc -O2 -Wall -o "$MCLOAD" "$HERE/mcload.c" -lpthread; }
OSPREY=${OSPREY:-$ROOT/target/release/osprey}

# us per request from a rate
us() { awk -v r="$1" 'BEGIN { printf "%.1f", 1e6 / r }'; }

for round in $(seq "$ROUNDS"); do
  case $APP in
    memcached)
      lin=$(DUR=8 TARGETS=linux LOADS=memcached bash "$HERE/net.sh" measure 2>&1 |
        sed -n 's/^NET target=linux load=memcached-c1 value=\([0-9]*\).*/\1/p')
      port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      log=$OUT/osprey-memcached-$round.log
      "$OSPREY" run --accel tcg --mem 256M --profile --verbose -p "$port:11211" \
        /usr/bin/memcached -u root -t 2 -m 64 </dev/null >"$log" 2>&1 &
      pid=$!
      python3 "$HERE/probe.py" 127.0.0.1 "$port" 'version\r\n' 'VERSION ' 120 >/dev/null
      r=$("$MCLOAD" 127.0.0.1 "$port" -c 1 -t 8)
      n=$(sed -n 's/.*ops=\([0-9]*\) .*/\1/p' <<<"$r")
      osp=$(sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p' <<<"$r")
      ;;
    redis)
      # Both guests' SET and GET at one connection, averaged per request.
      res=$(DUR=6 TARGETS=linux LOADS=redis bash "$HERE/net.sh" measure 2>&1)
      s=$(sed -n 's/^NET target=linux load=redis-SET-c1 value=\([0-9]*\).*/\1/p' <<<"$res")
      g=$(sed -n 's/^NET target=linux load=redis-GET-c1 value=\([0-9]*\).*/\1/p' <<<"$res")
      lin=$(awk -v s="$s" -v g="$g" 'BEGIN { printf "%d", 2 / (1 / s + 1 / g) }')
      port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      log=$OUT/osprey-redis-$round.log
      "$OSPREY" run --accel tcg --mem 256M --profile --verbose -p "$port:6379" \
        /usr/bin/redis-server --save '' --appendonly no --protected-mode no </dev/null >"$log" 2>&1 &
      pid=$!
      python3 "$HERE/probe.py" 127.0.0.1 "$port" 'PING\r\n' '+PONG' 120 >/dev/null
      csv=$(redis-benchmark -h 127.0.0.1 -p "$port" -c 1 -n 20000 -d 64 -r 10000 -t set,get --csv)
      s=$(awk -F'"' '$2 == "SET" {print $4}' <<<"$csv")
      g=$(awk -F'"' '$2 == "GET" {print $4}' <<<"$csv")
      osp=$(awk -v s="$s" -v g="$g" 'BEGIN { printf "%d", 2 / (1 / s + 1 / g) }')
      n=40000
      ;;
    *) sed -n '2,9p' "$0"; exit 2 ;;
  esac
  kill -TERM $pid; wait $pid 2>/dev/null
  # "profile: N samples at H Hz ... (about S s of CPU time): app A%, kernel K%, idle I%"
  prof=$(grep 'osprey: profile:' "$log")
  secs=$(sed -n 's/.*about \([0-9.]*\) s of CPU time.*/\1/p' <<<"$prof")
  kern=$(sed -n 's/.*kernel \([0-9.]*\)%.*/\1/p' <<<"$prof")
  idle=$(sed -n 's/.*idle \([0-9.]*\)%.*/\1/p' <<<"$prof")
  loop=$(grep 'sched::idle_loop' "$log" | head -1 | awk '{print $1}' | tr -d '%')
  awk -v app="$APP" -v lin="$lin" -v osp="$osp" -v n="$n" -v secs="$secs" -v kern="$kern" \
      -v idle="$idle" -v loop="$loop" 'BEGIN {
    k = (kern + idle - loop) / 100 * secs / n * 1e6;   # kernel us per request
    tl = 1e6 / lin; to = 1e6 / osp;
    printf "%s, 1 connection: Linux guest %d/s (%.0f us), Osprey %d/s (%.0f us) = %.2fx; Osprey kernel %.0f us per request -> at most %.2fx with a kernel costing nothing\n",
      app, lin, tl, osp, to, tl / to, k, tl / (to - k) }'
done
