#!/usr/bin/env bats
# The daemon's lifecycle as an operator meets it: start-up errors on the
# terminal, a second instance, ports, idle connections.

bats_require_minimum_version 1.5.0
load helpers

teardown() {
	if [ -n "${LOG_READER:-}" ]; then
		kill -CONT "$LOG_READER" 2>/dev/null || true
	fi
	if [ -n "${INETD:-}" ]; then
		kill "$INETD" 2>/dev/null || true
		wait "$INETD" 2>/dev/null || true
		INETD=
	fi
	rsh_teardown
	if [ -n "${LOG_READER:-}" ]; then
		kill "$LOG_READER" 2>/dev/null || true
		wait "$LOG_READER" 2>/dev/null || true
		LOG_READER=
	fi
}

@test "without -D, what stops the start is printed on stderr too" {
	local d=$BATS_TEST_TMPDIR
	run -1 timeout "$(scaled 5)" "$RSHD" -f none -p 0 -l 127.0.0.1 -k "$d/no-such-keys"
	assert_output --partial "rshd: "
	assert_output --partial "$d/no-such-keys"
}

@test "a second instance says which pid already runs; the pid file is one line" {
	local d=$BATS_TEST_TMPDIR/srv
	start_rshd "$d" --pid-file "$d/rshd.pidfile"
	wait_until "[ -s '$d/rshd.pidfile' ]" 5
	# "PID\n", as `read pid <file` and Linux tools expect.
	[ "$(od -An -c "$d/rshd.pidfile" | tr -d ' ')" = "${RSHD_PID}\\n" ] ||
	    fail "pid file: $(od -An -c "$d/rshd.pidfile")"
	run -1 timeout "$(scaled 5)" "$RSHD" -f none -D -p 0 -l 127.0.0.1 -k "$d/keys" \
	    -o PermitRootCommands=yes --pid-file "$d/rshd.pidfile"
	assert_output "rshd: already running as pid $RSHD_PID (pid file $d/rshd.pidfile)"
}

@test "ports are range-checked, never wrapped" {
	local d=$BATS_TEST_TMPDIR
	run -1 "$RSHD" -f none -t -p 70000 -k "$d/keys"
	assert_output "rshd: invalid port '70000' (0 to 65535; 0 takes a free one)"
	run -1 "$RSHD" -f none -t -o Port=0 -k "$d/keys"
	assert_output "rshd: invalid port '0' (1 to 65535)"
	run -1 "$RSHD" -f none -t -p -1 -k "$d/keys"
	assert_output --partial "invalid port '-1'"
}

@test "an authenticated connection idle past IdleTimeout is closed" {
	local d=$BATS_TEST_TMPDIR/srv
	start_rshd "$d" -o IdleTimeout=300ms
	run -0 probe -t 5000 exec-sh 'echo busy' read read
	assert_line 'STDOUT busy\n'
	assert_line EOF
	grep -q "no command for 300 ms (IdleTimeout); closing" "$d/rshd.log"
}

@test "a running command is not idle, however quiet" {
	local d=$BATS_TEST_TMPDIR/srv
	start_rshd "$d" -o IdleTimeout=200ms
	run -0 rsh_cmd -n 127.0.0.1 'sleep 1; echo done'
	assert_output done
}

# sd_start DIR: rshd as systemd would start it: a TCP and a UDP socket on
# one free port passed as fds 3 and 4 (LISTEN_FDS), and NOTIFY_SOCKET.
# Prints "PID PORT READY-MESSAGE" once rshd said it is ready.
sd_start() {
	python3 - "$1" "$RSHD" <<'PY'
import os, socket, sys
d, rshd = sys.argv[1], sys.argv[2]
note = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
note.bind(d + "/notify")
note.settimeout(10)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("127.0.0.1", 0))
t.listen(16)
port = t.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", port))
pid = os.fork()
if pid == 0:
    os.dup2(t.fileno(), 3)
    os.dup2(u.fileno(), 4)
    for fd in (3, 4):
        os.set_inheritable(fd, True)
    log = os.open(d + "/rshd.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(5, 1024)
    env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS="2",
               NOTIFY_SOCKET=d + "/notify")
    os.execve(rshd, [rshd, "-D", "-f", "none", "-k", d + "/keys",
                     "-o", "PermitRootCommands=yes"], env)
msg = note.recv(256).decode()
print(pid, port, msg.replace("\n", ","))
PY
}

@test "systemd socket activation and readiness: rshd serves the sockets it is given" {
	local d=$BATS_TEST_TMPDIR/sd out pid port
	make_keys "$d"
	out=$(sd_start "$d" 3>&-)
	read -r pid port msg <<<"$out"
	echo "$pid" >"$d/rshd.pid"
	[ "$msg" = "READY=1" ] || fail "notification: $msg"
	run -0 "$RSH" -k "$d/key" -p "$port" -n 127.0.0.1 echo over-tcp
	assert_output over-tcp
	run -0 "$RSH" -u -k "$d/key" -p "$port" -n 127.0.0.1 echo over-udp
	assert_output over-udp
	grep -q "sockets from systemd" "$d/rshd.log"
	# Its commands never see the variables.
	run -0 "$RSH" -k "$d/key" -p "$port" -n -x 127.0.0.1 env
	refute_output --partial LISTEN_
	refute_output --partial NOTIFY_SOCKET
}

@test "on SIGTERM a running command gets ShutdownGrace to finish" {
	local d=$BATS_TEST_TMPDIR/srv m out=$BATS_TEST_TMPDIR/out
	local go=$BATS_TEST_TMPDIR/go grace=$(scaled 5)
	m=$(unique_marker)
	start_rshd "$d" -o ShutdownGrace="${grace}s"
	# The command ends once told to, after the SIGTERM: however slow
	# the machine, it is still running when rshd gets the signal.
	rsh_cmd -n 127.0.0.1 "while [ ! -e $go ]; do sleep 0.05; done;
	    echo finished; : $m" >"$out" 2>"$out.err" 3>&- &
	local client=$!
	wait_remote "$m" >/dev/null
	kill -TERM "$RSHD_PID"
	wait_until "grep -q 'has ${grace}000 ms to finish' '$out.err'" ||
	    fail "no warning: $(cat "$out.err")"
	touch "$go"
	wait "$client" || fail "the client exited $?"
	[ "$(cat "$out")" = finished ] || fail "stdout: $(cat "$out")"
	wait_until "! proc_alive $RSHD_PID" 10
}

@test "past ShutdownGrace the command is stopped and rshd exits 0" {
	local d=$BATS_TEST_TMPDIR/srv m rc=0
	m=$(unique_marker)
	start_rshd "$d" -o ShutdownGrace=300ms
	rsh_cmd -n 127.0.0.1 "sleep 30; : $m" >/dev/null 2>&1 3>&- &
	local client=$!
	wait_remote "$m" >/dev/null
	kill -TERM "$RSHD_PID"
	wait "$client" || rc=$?
	[ "$rc" -eq 143 ] || fail "the client exited $rc"
	wait "$RSHD_PID" || fail "rshd exited $?"
	! marked_alive "$m"
}

@test "a flood of failed handshakes is logged ten by one, then summed up" {
	local d=$BATS_TEST_TMPDIR/srv w=$BATS_TEST_TMPDIR/wrong i
	# Penalties off: this is about the log (admission.bats tests them).
	start_rshd "$d" -o MaxAuthFailures=0
	make_keys "$w" test		# the same key id, another secret
	"$RSH" -k "$w/key" -p "$RSHD_PORT" -n 127.0.0.1 true 2>/dev/null || true
	make_keys "$w/x" nosuchkey
	"$RSH" -k "$w/x/key" -p "$RSHD_PORT" -n 127.0.0.1 true 2>/dev/null || true
	for ((i = 0; i < 30; i++)); do
		"$RSH" -k "$w/key" -p "$RSHD_PORT" -n 127.0.0.1 true \
		    2>/dev/null || true
	done
	stop_rshd
	grep -q "authentication failed for key 'test': wrong MAC" "$d/rshd.log"
	grep -q "authentication failed for key 'nosuchkey': unknown key id" \
	    "$d/rshd.log"
	[ "$(grep -c 'authentication failed for key' "$d/rshd.log")" -eq 10 ] ||
	    fail "$(grep -c 'authentication failed' "$d/rshd.log") lines one by one"
	grep -q "22 more failed handshakes in 10 s, not logged one by one: 0 with an unknown key id, 22 with a wrong MAC (the last from 127.0.0.1:" \
	    "$d/rshd.log"
}

@test "under ulimit -n 64 rshd refuses what it cannot start and keeps serving" {
	local d=$BATS_TEST_TMPDIR/srv i ok=0 refused=0 pids=()
	make_keys "$d"
	(ulimit -n 64 && exec env --default-signal=INT,QUIT "$RSHD" -f none -D -p 0 \
	    --port-file "$d/port" -l 127.0.0.1 --no-udp -k "$d/keys" \
	    -o PermitRootCommands=yes -o ShutdownGrace=0 \
	    -o MaxUnauthenticatedPerSource=64) </dev/null >>"$d/rshd.log" \
	    2>&1 3>&- &
	RSHD_PID=$!
	echo "$RSHD_PID" >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ]" 10
	RSHD_PORT=$(cat "$d/port")
	RSH_KEYFILE=$d/key
	for ((i = 0; i < 40; i++)); do
		rsh_cmd -n 127.0.0.1 'sleep 1; echo ok' >"$d/out.$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if wait "${pids[$i]}"; then
			ok=$((ok + 1))
		else
			grep -qE 'Too many open files|out of resources' \
			    "$d/out.$i" || fail "client $i: $(cat "$d/out.$i")"
			refused=$((refused + 1))
		fi
	done
	[ "$ok" -gt 0 ] || fail "no command ran"
	proc_alive "$RSHD_PID" || fail "rshd died"
	run -0 rsh_cmd -n 127.0.0.1 echo still-serving
	assert_output still-serving
}

@test "a stalled log reader slows no session: lines are dropped and counted" {
	local d=$BATS_TEST_TMPDIR/srv out
	make_keys "$d"
	mkfifo "$d/log.fifo"
	cat "$d/log.fifo" >"$d/rshd.log" 3>&- &
	LOG_READER=$!
	env --default-signal=INT,QUIT "$RSHD" -f none -D -p 0 --port-file "$d/port" \
	    -l 127.0.0.1 --no-udp -k "$d/keys" -o PermitRootCommands=yes \
	    -o ShutdownGrace=0 </dev/null >"$d/log.fifo" 2>&1 3>&- &
	RSHD_PID=$!
	echo "$RSHD_PID" >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ]"
	RSHD_PORT=$(cat "$d/port")
	RSHD_DIR=$d
	RSH_KEYFILE=$d/key
	# The smallest pipe, so that the queue (1024 lines) is what holds.
	python3 -c 'import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, 1031, 4096)' "$d/log.fifo"	# F_SETPIPE_SZ
	kill -STOP "$LOG_READER"
	# Three lines a command: 500 commands are more than the pipe and
	# the queue hold.  Before the log writer, sessions hung after about
	# 390 commands (with a 64 KiB pipe).  A hang is a stall: each command
	# that ends adds a line to done, and 10 s without one fail the test,
	# however long the 500 take on this machine.
	seq 500 | xargs -P8 -I{} sh -c '"$0" -k "$1" -p "$2" -n 127.0.0.1 \
	    "true $3" || echo "failed {}"; echo {} >>"$4"' "$RSH" \
	    "$RSH_KEYFILE" "$RSHD_PORT" "$(printf '%0150d' 0)" "$d/done" \
	    >"$d/out" 2>&1 3>&- &
	wait_progress $! "$d/done" 10 ||
	    fail "sessions stalled after $(wc -l <"$d/done") commands"
	out=$(cat "$d/out")
	[ -z "$out" ] || fail "$out"
	[ "$(wc -l <"$d/done")" -eq 500 ]
	kill -CONT "$LOG_READER"
	wait_until "grep -q 'log lines dropped: the log could not keep up' \
	    '$d/rshd.log'" 10
}

@test "-i serves the connection on standard input, as inetd hands it over" {
	local d=$BATS_TEST_TMPDIR/srv m pid title
	make_keys "$d"
	python3 "$BATS_TEST_DIRNAME/tools/inetd.py" "$d/port" "$RSHD" -f none -i \
	    -k "$d/keys" -o PermitRootCommands=yes </dev/null \
	    2>"$d/inetd.err" 3>&- &
	INETD=$!
	wait_until "[ -s '$d/port' ]"
	RSHD_PORT=$(cat "$d/port")
	RSH_KEYFILE=$d/key
	run -3 rsh_cmd -n 127.0.0.1 'echo out; echo err >&2; exit 3'
	assert_output "$(printf 'out\nerr')"
	run -0 rsh_cmd -n -x 127.0.0.1 echo argv mode
	assert_output "argv mode"
	# One process per connection, titled with its state.
	m=$(unique_marker)
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
	    "echo $m >/dev/null; sleep 30; true" </dev/null \
	    >/dev/null 2>&1 3>&- &
	pid=$!
	wait_until "[ -n \"\$(children_of $INETD)\" ]"
	wait_until "ps -o args= -p \$(children_of $INETD | head -1) | grep -q 'running'"
	title=$(ps -o args= -p "$(children_of "$INETD" | head -1)")
	# libbsd may leave a trailing " ." where the old arguments were.
	[[ $title == "rshd: test@127.0.0.1:"*" running"* ]] || fail "title: $title"
	kill "$pid"
	wait "$pid" || true
	# The process ends with its connection.
	wait_until "[ -z \"\$(children_of $INETD)\" ]"
}

@test "SIGTERM leaves nothing behind when output waits for a stalled client" {
	local d=$BATS_TEST_TMPDIR m client n=3600000
	start_rshd "$d/srv"
	m=$(unique_marker)
	# A client with a small receive buffer that reads nothing after
	# STARTED: the leader writes more than the sockets hold and exits,
	# its output still queued, leaving a background process in its group.
	"$RSHPROBE" -r 4096 -t 60000 -k "$RSH_KEYFILE" 127.0.0.1 \
	    "$RSHD_PORT" exec-sh "sh -c ': $m; sleep 300; true' </dev/null & \
	    head -c $n /dev/zero" started pause 60000 >/dev/null 3>&- &
	client=$!
	wait_until "pgrep -f '^sh -c : $m' >/dev/null"
	wait_until "! pgrep -f '^head -c $n' >/dev/null" 10 ||
	    skip "the leader could not write its output here"
	if grep -q 'exited with status' "$RSHD_DIR/rshd.log"; then
		kill "$client"
		wait "$client" || true
		pkill -f "^sh -c : $m" || true
		skip "this machine's socket buffers took all the output"
	fi
	stop_rshd
	run pgrep -f "^sh -c : $m"
	pkill -f "^sh -c : $m" || true
	kill "$client" 2>/dev/null || true
	wait "$client" || true
	[ "$status" -ne 0 ] || fail "a background process outlived rshd: $output"
}

@test "the process title is only the counts, whatever the length of rshd's path" {
	local d=$BATS_TEST_TMPDIR n link pad
	# Shorter than the title, about as long, longer, and longer than
	# libbsd's 256-byte title buffer.
	for n in 1 30 45 100 300; do
		# n bytes of directories, a component at most 100 long
		pad=$(printf 'p%.0s' $(seq 1 "$n") | fold -w 100 | paste -sd/)
		mkdir -p "$d/$pad"
		link=$d/$pad/rshd
		ln -sf "$RSHD" "$link"
		RSHD=$link start_rshd "$d/srv$n"
		wait_until "tr -d '\\000' </proc/$RSHD_PID/cmdline | grep -q '^rshd: 0 connections'"
		run -0 python3 -c '
import sys
raw = open("/proc/%s/cmdline" % sys.argv[1], "rb").read()
print(repr(raw.rstrip(b"\0")))' "$RSHD_PID"
		assert_output "b'rshd: 0 connections, 0 unauthenticated'"
		run -0 ps -o args= -p "$RSHD_PID"
		assert_output 'rshd: 0 connections, 0 unauthenticated'
		stop_rshd
	done
}

@test "ps shows the daemon's counts, and each session thread its state and key" {
	local d=$BATS_TEST_TMPDIR m pid
	start_rshd "$d/srv"
	m=$(unique_marker)
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
	    "echo $m >/dev/null; sleep 30; true" </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	wait_remote "$m" >/dev/null
	wait_until "grep -qx 'run test' /proc/$RSHD_PID/task/*/comm"
	wait_until "ps -o args= -p $RSHD_PID | grep -qx 'rshd: 1 connection, 0 unauthenticated'"
	kill "$pid"
	wait "$pid" || true
}
