#!/usr/bin/env python3
"""hold_unauth.py PORT N ADDR...: from each source address ADDR, opens N
TCP connections to 127.0.0.1:PORT, reads the server's greeting on each
(so each is admitted and unauthenticated), then holds them all without
ever authenticating, as an attacker would.  Prints "held K" once every
connection has been tried (K: how many got a greeting), then, until
killed, "lost M" lines as the server closes some (evicted).  Closes fd 3
is the caller's business."""
import select
import socket
import sys


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    socks = []
    for src in sys.argv[3:]:
        for _ in range(n):
            s = socket.socket()
            s.bind((src, 0))
            s.settimeout(5)
            try:
                s.connect(("127.0.0.1", port))
                greeting = s.recv(4)
            except OSError:
                s.close()
                continue
            if greeting[:3] == b"RSH" and greeting[3:4] != b"\0":
                socks.append(s)
            else:
                s.close()
    print("held %d" % len(socks), flush=True)
    lost = 0
    while socks:
        ready, _, _ = select.select(socks, [], [], 1.0)
        for s in ready:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                socks.remove(s)
                s.close()
                lost += 1
                print("lost %d" % lost, flush=True)
    select.select([], [], [])


main()
