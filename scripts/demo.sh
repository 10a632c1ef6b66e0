#!/usr/bin/env bash
# A short tour: installs what is missing, builds osprey, and runs real programs in a VM.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "demo: cargo build --release"
OSPREY_REQUIRE_KERNEL=1 cargo build --release
osprey=target/release/osprey
build=target/test-programs
mkdir -p "$build"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "osprey run /bin/busybox uname -a"
"$osprey" run /bin/busybox uname -a

step "osprey run /bin/busybox sh -c 'echo \"6 * 7 = \$((6*7))\"; for ...; exit 7'"
"$osprey" run /bin/busybox sh -c '
  echo "6 * 7 = $((6*7))"
  for i in 1 2 3; do echo "round $i: I am pid $$ on $HOSTNAME"; done
  exit 7' || echo "(osprey exited with status $?)"

step "osprey run /bin/busybox grep -m1 -e 'model name' -e MemTotal /proc/cpuinfo /proc/meminfo"
"$osprey" run /bin/busybox grep -m1 -e 'model name' -e MemTotal /proc/cpuinfo /proc/meminfo

step "echo 'the quick brown fox' | osprey run /bin/busybox sha256sum"
echo 'the quick brown fox' | "$osprey" run /bin/busybox sha256sum

step "gcc -static-pie tests/programs/hello.c && osprey run -e GREETING=hi ./hello a 'b c'"
gcc -static-pie -O2 -o "$build/demo-hello" tests/programs/hello.c
"$osprey" run -e GREETING=hi "$build/demo-hello" a 'b c' 2>/dev/null || echo "(status $?: argc - 1)"

step "musl-gcc -static tests/programs/crash.c && osprey run ./crash null"
musl-gcc -static -O2 -g -o "$build/demo-crash" tests/programs/crash.c
"$osprey" run "$build/demo-crash" null || echo "(status $?, as on Linux)"

step "osprey run --strace ./hello   (system calls on stderr)"
"$osprey" run --strace "$build/demo-hello" >/dev/null 2>"$build/demo-strace.txt" || true
grep -v '^environ' "$build/demo-strace.txt" | tail -n 8

step "osprey run /usr/bin/python3 -c '...'   (Debian's python3: libraries and stdlib packed for you)"
"$osprey" run /usr/bin/python3 -c 'import json, sqlite3, platform
db = sqlite3.connect(":memory:"); db.execute("create table t(x)"); db.execute("insert into t values (42)")
print(json.dumps({"answer": db.execute("select x from t").fetchone()[0], "system": platform.system(), "release": platform.release()}))'

step "gcc -static tests/programs/threads.c && osprey run ./threads   (pthreads: mutex, condvar, rwlock, barrier, TLS)"
gcc -static -O2 -o "$build/demo-threads" tests/programs/threads.c
"$osprey" run "$build/demo-threads"

jdk=/usr/lib/jvm/java-17-openjdk-amd64
if [ -x "$jdk/bin/java" ]; then
    step "osprey run $jdk/bin/java -version   (Debian's OpenJDK 17: the JDK's files packed for you)"
    "$osprey" run "$jdk/bin/java" -version
fi

if command -v memcached >/dev/null; then
    step "osprey run -p 11211:11211 memcached -u root -t 2 -m 64 &   (Debian's memcached served to the host)"
    "$osprey" run -p 11211:11211 "$(command -v memcached)" -u root -t 2 -m 64 &
    vm=$!
    # QEMU accepts on the host port at once; the app is ready when it answers.
    for _ in $(seq 120); do
        if { exec 3<>/dev/tcp/127.0.0.1/11211; } 2>/dev/null; then
            printf 'version\r\n' >&3
            if read -r -t 2 answer <&3 && [[ $answer == VERSION* ]]; then
                exec 3<&-
                break
            fi
            exec 3<&-
        fi
        sleep 0.5
    done
    step "printf 'set greeting 0 0 5\\r\\nhello\\r\\nget greeting\\r\\n' > /dev/tcp/127.0.0.1/11211"
    exec 3<>/dev/tcp/127.0.0.1/11211
    printf 'set greeting 0 0 5\r\nhello\r\nget greeting\r\nquit\r\n' >&3
    cat <&3
    exec 3<&-
    step "kill -TERM %1   (the app gets SIGTERM; osprey exits with its status)"
    kill -TERM "$vm"
    wait "$vm" || echo "(osprey exited with status $?)"
fi

step "time osprey run /bin/busybox true"
time "$osprey" run /bin/busybox true
