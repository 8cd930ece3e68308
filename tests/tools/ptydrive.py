#!/usr/bin/env python3
"""ptydrive: runs a command on a fresh pseudo-terminal and drives it, so
that the tests can use rsh as a person at a terminal would.

usage: ptydrive.py [-s ROWSxCOLS] [-t SECONDS] STEP... -- COMMAND [ARG...]

The command starts in a session of its own with the terminal as its
controlling one, stdin, stdout and stderr, the terminal being ROWSxCOLS
(default 24x80).  The steps run in order; each prints one line:

  send:TEXT      writes TEXT (Python escapes: \\r, \\x03, ...)  -> "SENT"
  expect:REGEX   reads until the output holds REGEX (the output read so
                 far is consumed up to the match) -> "MATCH" and the
                 first group when there is one, "MATCH g1"
  resize:RxC     sets the terminal's size; the kernel sends SIGWINCH to
                 the command -> "RESIZED"
  kill:SIG       sends signal SIG (a number) to the command -> "KILLED"
  exit           waits for the command to end -> "EXIT n" / "SIGNAL n"
  modes          after exit: whether the terminal's mode (tcgetattr) is
                 the one it had before the command ran -> "MODES same" or
                 "MODES changed"

A step that cannot complete in SECONDS (default 10) prints "TIMEOUT"
with what was read, and ptydrive exits 3; it exits 2 on a usage error,
0 otherwise.
"""
import codecs
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def set_size(fd, spec):
    rows, cols = (int(x) for x in spec.split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def spawn(argv, slave):
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    return pid


class Driver:
    def __init__(self, master, pid, limit):
        self.master, self.pid, self.limit = master, pid, limit
        self.seen = b""
        self.status = None

    def read_some(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.master], [], [], left)
        if r:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            if not data:
                time.sleep(0.01)    # every slave closed: EIO
            self.seen += data
        return True

    def timeout(self, what):
        print("TIMEOUT %s; read: %r" % (what, self.seen[-2000:]))
        sys.stdout.flush()
        os.kill(self.pid, signal.SIGKILL)
        sys.exit(3)

    def expect(self, pattern):
        rx = re.compile(pattern.encode())
        deadline = time.monotonic() + self.limit
        while True:
            m = rx.search(self.seen)
            if m:
                self.seen = self.seen[m.end():]
                g = m.group(1).decode(errors="replace") if rx.groups else ""
                return ("MATCH " + g).rstrip()
            if not self.read_some(deadline):
                self.timeout("expect " + pattern)

    def wait(self):
        deadline = time.monotonic() + self.limit
        while self.status is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = st
                break
            if not self.read_some(min(deadline, time.monotonic() + 0.05)) \
                    and time.monotonic() >= deadline:
                self.timeout("exit")
        if os.WIFSIGNALED(self.status):
            return "SIGNAL %d" % os.WTERMSIG(self.status)
        return "EXIT %d" % os.WEXITSTATUS(self.status)


def main():
    args = sys.argv[1:]
    size, limit = "24x80", 10.0
    while args and args[0] in ("-s", "-t"):
        if len(args) < 2:
            usage()
        if args[0] == "-s":
            size = args[1]
        else:
            limit = float(args[1])
        args = args[2:]
    if "--" not in args:
        usage()
    steps, argv = args[:args.index("--")], args[args.index("--") + 1:]
    if not argv:
        usage()
    master, slave = os.openpty()
    set_size(slave, size)
    before = termios.tcgetattr(slave)
    pid = spawn(argv, slave)
    d = Driver(master, pid, limit)
    for step in steps:
        name, _, arg = step.partition(":")
        if name == "send":
            os.write(master, codecs.decode(arg, "unicode_escape").encode(
                "latin-1"))
            out = "SENT"
        elif name == "expect":
            out = d.expect(arg)
        elif name == "resize":
            set_size(master, arg)
            out = "RESIZED"
        elif name == "kill":
            os.kill(pid, int(arg))
            out = "KILLED"
        elif name == "exit":
            out = d.wait()
        elif name == "modes":
            same = termios.tcgetattr(slave) == before
            out = "MODES " + ("same" if same else "changed")
        else:
            usage()
        print(out)
        sys.stdout.flush()
    if d.status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
