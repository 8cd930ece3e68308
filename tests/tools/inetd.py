#!/usr/bin/env python3
"""inetd.py PORTFILE CMD...: a minimal inetd for tests.  Listens on
127.0.0.1 (an ephemeral port, written to PORTFILE), and for every
connection runs CMD with the connection as its standard input and
output, stderr inherited, as inetd(8) or systemd's Accept=yes do.
Children are reaped as they exit.  Runs until killed."""
import os
import signal
import socket
import subprocess
import sys


def main():
    portfile, cmd = sys.argv[1], sys.argv[2:]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(tmp, portfile)
    while True:
        conn, _ = lsock.accept()
        subprocess.Popen(cmd, stdin=conn.fileno(), stdout=conn.fileno(),
                         close_fds=True)
        conn.close()


main()
