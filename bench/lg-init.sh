#!/bin/sh
# /init of the Linux guest that bench/run.sh boots for the comparison (busybox sh).
# Kernel command line: bench.run=NAME (a program in /micro, or "none") bench.n=COUNT
# bench.reps=R (runs of it in this boot), bench.a2=ARG (a second argument, e.g. threads). Markers on the console: LG_INIT (written through
# /dev/kmsg so it carries the kernel's timestamp: the first thing /init does), the programs'
# own "LG_MICRO ..." lines, then BENCH_DONE; then it powers off.
export PATH=/bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
echo "<1>LG_INIT" >/dev/kmsg
RUN=none N= REPS=1 A2=
for a in $(cat /proc/cmdline); do
  case $a in
    bench.run=*) RUN=${a#bench.run=} ;;
    bench.n=*) N=${a#bench.n=} ;;
    bench.reps=*) REPS=${a#bench.reps=} ;;
    bench.a2=*) A2=${a#bench.a2=} ;;
  esac
done
i=0
while [ "$RUN" != none ] && [ $i -lt "$REPS" ]; do /micro/$RUN $N $A2; i=$((i + 1)); done
echo BENCH_DONE
poweroff -f
