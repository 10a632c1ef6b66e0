#!/bin/sh
# /init of the Linux guest that `bench/run.sh net` boots (busybox sh): the networking twin of
# bench/lg-init.sh. Kernel command line: net.app=memcached|redis|nginx|tcpbench|echo|udp|cmd|none,
# net.ip=ADDR/PREFIX, net.gw=ADDR, net.cmd=PROG,ARG,... (app cmd: runs one client, then powers off). Loads Debian's virtio-net modules (virtio-mmio on microvm),
# configures eth0, starts the app with the SAME arguments `osprey run` gets (bench/net/net.sh
# has both command lines), waits until its port listens and prints NET_READY; then it waits
# for the harness to kill the VM.
export PATH=/bin:/usr/bin:/usr/sbin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
echo "<1>NET_INIT" >/dev/kmsg
APP=none IP= GW=
for a in $(cat /proc/cmdline); do
  case $a in
    net.app=*) APP=${a#net.app=} ;;
    net.ip=*) IP=${a#net.ip=} ;;
    net.gw=*) GW=${a#net.gw=} ;;
    net.cmd=*) CMD=$(echo "${a#net.cmd=}" | tr , ' ') ;;
  esac
done
for m in virtio_ring virtio virtio_mmio failover net_failover virtio_net; do insmod /lib/modules/$m.ko; done
ip link set lo up
ip addr add "$IP" dev eth0 && ip link set eth0 up
[ -n "$GW" ] && ip route add default via "$GW"
case $APP in
  memcached) memcached -u root -t 2 -m 64 & PORT=2BCB ;;                        # 11211
  redis) redis-server --save '' --appendonly no --protected-mode no >/dev/null & PORT=18EB ;;  # 6379
  nginx) nginx -g 'daemon off; master_process off;' & PORT=0050 ;;              # 80
  tcpbench) /usr/bin/tcp_bench server 7000 & PORT=1B58 ;;                        # 7000
  # the test programs of crates/cli/tests/net_servers.rs, to check the tests' host side
  echo) /usr/bin/tcp_echo_epoll 7000 7001 & PORT=1B58 ;;
  udp) /usr/bin/udp_echo 7002 & PORT= ;;
  cmd) $CMD; echo "NET_CMD_STATUS=$?"; poweroff -f ;;   # net.cmd=/usr/bin/http_get,10.0.2.2,8000
esac
# wait (bounded, ~10 s) until the server's socket is in the LISTEN state
n=0
while [ -n "$PORT" ] && ! grep -q ":$PORT 00000000:0000 0A" /proc/net/tcp && [ $n -lt 10000 ]; do usleep 1000; n=$((n+1)); done
echo "<1>NET_READY app=$APP clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" >/dev/kmsg
[ "$APP" = none ] && poweroff -f
while true; do sleep 3600; done
