#!/usr/bin/env bash
# Installs what building and testing Osprey needs, only when it is missing (idempotent):
#   qemu-system-x86_64, gcc, musl-gcc, a static /bin/busybox, binutils (as, ld, nm), cpio,
#   strace, the Debian programs the dynamic tests run (python3, perl, lua5.4, sqlite3, xz, gzip,
#   coreutils), the servers and clients of the networking tests and benchmarks (memcached,
#   redis-server, redis-tools, nginx-light, curl, libmemcached-tools, wrk, socat, iproute2), and the Rust
#   target x86_64-unknown-none (when rustup is there).
# Debian 12 / Ubuntu (apt-get). Runs as root, or through sudo when it is available.
set -euo pipefail

say() { printf 'install-deps: %s\n' "$*"; }

missing=()
need() { # need COMMAND-OR-TEST PACKAGE
    if ! eval "$1" >/dev/null 2>&1; then
        missing+=("$2")
    fi
}

need 'command -v qemu-system-x86_64' qemu-system-x86
need 'command -v gcc' gcc
need 'command -v musl-gcc' musl-tools
# busybox-static puts a static busybox at /bin/busybox (the `busybox` package is dynamic).
if command -v dpkg-query >/dev/null 2>&1; then
    need "dpkg-query -W -f='\${Status}' busybox-static | grep -q 'ok installed'" busybox-static
else
    need '[ -x /bin/busybox ]' busybox-static
fi
need 'command -v as && command -v ld && command -v nm' binutils
need 'command -v cpio' cpio
need 'command -v strace' strace
# Debian's own python3 (the dynamic-program tests run /usr/bin/python3, not a pyenv shim).
need '[ -x /usr/bin/python3 ]' python3
# The other Debian programs the dynamic-program tests and benchmarks run unmodified.
need '[ -x /usr/bin/perl ]' perl
need '[ -x /usr/bin/lua5.4 ]' lua5.4
need '[ -x /usr/bin/sqlite3 ]' sqlite3
# Debian's OpenJDK 17 (the JVM acid test of the threads and signals tests; javac builds its class).
need '[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/javac ]' openjdk-17-jdk-headless
need '[ -x /usr/bin/xz ]' xz-utils
need '[ -x /usr/bin/gzip ]' gzip
need '[ -x /usr/bin/sha256sum ] && [ -x /usr/bin/sort ] && [ -x /usr/bin/wc ]' coreutils
# ldd: the library resolver's tests compare their answers with it.
need '[ -x /usr/bin/ldd ]' libc-bin
# The networking tests and benchmarks (issue 5): Debian's servers run unmodified in the VM and
# on the host, its clients load them from the host. Packages that start services (memcached,
# redis-server, nginx) do so only where an init system runs; the tests start their own copies
# on free ports.
need '[ -x /usr/bin/memcached ]' memcached
need '[ -x /usr/bin/redis-server ]' redis-server
need '[ -x /usr/bin/redis-cli ] && [ -x /usr/bin/redis-benchmark ]' redis-tools
need '[ -x /usr/sbin/nginx ]' nginx-light
need '[ -x /usr/bin/curl ]' curl
need '[ -x /usr/bin/memcslap ]' libmemcached-tools
need '[ -x /usr/bin/wrk ]' wrk
need '[ -x /usr/bin/socat ]' socat
# `ip`: the tap-mode tests and benchmarks make a private network namespace with a tap device.
need '[ -x /usr/sbin/ip ] || [ -x /usr/bin/ip ] || [ -x /bin/ip ]' iproute2

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        say "missing packages: ${missing[*]}"
        say "not root and no sudo: install them with your package manager, then run this again"
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        say "missing packages: ${missing[*]} (and no apt-get here: install them by hand)"
        exit 1
    fi
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    say "system packages: all present (qemu-system-x86_64, gcc, musl-gcc, busybox-static, binutils, cpio, strace, python3, perl, lua5.4, sqlite3, xz-utils, gzip, coreutils, libc-bin, openjdk-17-jdk-headless, memcached, redis-server, redis-tools, nginx-light, curl, libmemcached-tools, wrk, socat, iproute2)"
fi

if ! command -v cargo >/dev/null 2>&1; then
    say "cargo is missing: install Rust from https://rustup.rs (stable), then run this again"
    exit 1
fi

target=x86_64-unknown-none
if command -v rustup >/dev/null 2>&1; then
    if rustup target list --installed 2>/dev/null | grep -qx "$target"; then
        say "rust target $target: present"
    else
        say "adding the rust target $target"
        rustup target add "$target"
    fi
else
    sysroot=$(rustc --print sysroot)
    if [ -d "$sysroot/lib/rustlib/$target" ]; then
        say "rust target $target: present"
    else
        say "the rust target $target is missing and there is no rustup to add it"
        exit 1
    fi
fi
