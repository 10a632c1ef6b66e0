#!/bin/bash
# Osprey against Osprey: alternating A/B runs of memcached and redis under load from the host
# over the user network, for changes too small to see in net.sh's ratios against the Linux
# guest on a shared, noisy host (BENCHMARKS.md, "Request-response work").
#   bench/net/ab.sh OLD_OSPREY NEW_OSPREY [ROUNDS]
# Each round runs OLD then NEW, memcached then redis (memcached: mcload at CONNS, default
# "1 16", DUR seconds each; redis: redis-benchmark SET and GET, -d 64 -r 10000, 15,000 requests
# at 1 connection and 40,000 at 16), with --verbose: the last network counters of each run
# (kicks, unparks, timer_arms, notify_ns...) are printed after its figures. Logs go to
# target/bench/net/ab/. Needs mcload (bench/run.sh net-build makes it) or builds it here.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/target/bench/net/ab
DUR=${DUR:-5}
mkdir -p "$OUT"
MCLOAD=$ROOT/target/bench/net/mcload
[ -x "$MCLOAD" ] || { MCLOAD=$OUT/mcload; gcc -O2 -Wall -o "$MCLOAD" "$HERE/mcload.c" -lpthread; }

one() {  # BIN APP LABEL
  local bin=$1 app=$2 label=$3 port log pid gp cmd probe c n csv t r
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log=$OUT/$label-$app-$(date +%H%M%S).log
  case $app in
    memcached) gp=11211; cmd=(/usr/bin/memcached -u root -t 2 -m 64); probe=('version\r\n' 'VERSION ') ;;
    redis) gp=6379; cmd=(/usr/bin/redis-server --save '' --appendonly no --protected-mode no); probe=('PING\r\n' '+PONG') ;;
  esac
  "$bin" run --accel tcg --mem 256M --verbose -p "$port:$gp" "${cmd[@]}" </dev/null >"$log" 2>&1 &
  pid=$!
  if ! python3 "$HERE/probe.py" 127.0.0.1 "$port" "${probe[0]}" "${probe[1]}" 120 >/dev/null; then
    echo "$label $app: not ready (log $log)"; kill $pid; return 1
  fi
  case $app in
    memcached)
      for c in ${CONNS:-1 16}; do
        r=$(timeout $((DUR + 60)) "$MCLOAD" 127.0.0.1 "$port" -c $c -t "$DUR")
        echo "$label memcached-c$c $(sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p' <<<"$r") ops/s p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$r")us"
      done ;;
    redis)
      for c in 1 16; do
        n=$([ $c = 1 ] && echo 15000 || echo 40000)
        csv=$(timeout 120 redis-benchmark -h 127.0.0.1 -p "$port" -c $c -n $n -d 64 -r 10000 -t set,get --csv)
        for t in SET GET; do echo "$label redis-$t-c$c $(awk -F'"' -v t=$t '$2 == t {print int($4)}' <<<"$csv") rps"; done
      done ;;
  esac
  sleep 5.5   # the kernel logs its counters every 5 s
  kill $pid; for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  echo "$label counters: $(grep -o 'kicks=.*' "$log" | tail -1)"
}

[ $# -ge 2 ] || { sed -n '2,11p' "$0"; exit 2; }
for _ in $(seq "${3:-3}"); do
  for app in ${APPS:-memcached redis}; do
    one "$1" "$app" old
    one "$2" "$app" new
  done
done
