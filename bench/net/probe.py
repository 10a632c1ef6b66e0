#!/usr/bin/env python3
"""Waits until a TCP server answers: connects to HOST:PORT, sends SEND (Python escapes allowed),
and succeeds when the answer starts with EXPECT. Retries until TIMEOUT seconds have passed.
A published QEMU port accepts connections before the guest listens, so a connect alone proves
nothing: the answer does.
    probe.py HOST PORT SEND EXPECT TIMEOUT"""
import socket
import sys
import time

host, port, send, expect, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
send = send.encode().decode("unicode_escape").encode("latin-1")
expect = expect.encode().decode("unicode_escape").encode("latin-1")
deadline = time.time() + timeout
last = "never tried"
while time.time() < deadline:
    try:
        with socket.create_connection((host, port), timeout=3) as s:
            s.settimeout(3)
            s.sendall(send)
            got = b""
            while len(got) < len(expect):
                b = s.recv(4096)
                if not b:
                    break
                got += b
            if got.startswith(expect):
                sys.exit(0)
            last = "answer %r" % got[:60]
    except OSError as e:
        last = str(e)
    time.sleep(0.25)
print("probe: %s:%d did not answer %r within %.0f s (last: %s)" % (host, port, expect, timeout, last), file=sys.stderr)
sys.exit(1)
