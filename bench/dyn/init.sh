#!/bin/sh
# /init of the Linux guest of `bench/run.sh dyn` (busybox sh): times `python3 -c pass` and
# `sqlite3 :memory: 'select 1'` with /timeit (process start to exit), bench.reps=R runs each,
# in a guest that is already booted, then clock_gettime through the vDSO (/clock). Debian's
# python3 and sqlite3, their libraries and data come from archives `osprey build` wrote,
# concatenated after this one. Then BENCH_DONE and power off.
export PATH=/usr/bin:/bin HOME=/root
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
echo "<1>LG_INIT" >/dev/kmsg
REPS=3
for a in $(cat /proc/cmdline); do
  case $a in bench.reps=*) REPS=${a#bench.reps=} ;; esac
done
/timeit python3-pass "$REPS" /usr/bin/python3 -c pass
/timeit sqlite3-select1 "$REPS" /usr/bin/sqlite3 :memory: 'select 1'
/clock 1000000
echo BENCH_DONE
poweroff -f
