#!/usr/bin/env bats
# Lives of connections, commands and the daemon: many clients, clients
# that vanish, a daemon that stops, and nothing left behind.

bats_require_minimum_version 1.5.0
load helpers

# 64 clients connecting at once from one address outnumber the default
# MaxUnauthenticatedPerSource (16) when the machine is slow (ASan): raise
# it so that the test measures concurrency, not that limit.
setup_file() {
	rsh_setup_file -o MaxUnauthenticatedPerSource=64
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	exec 5>&- || true
	if [ -n "${HOLD_PID:-}" ]; then
		kill -CONT "$HOLD_PID" 2>/dev/null || true
		kill -TERM "$HOLD_PID" 2>/dev/null || true
		wait "$HOLD_PID" 2>/dev/null || true
	fi
	rsh_teardown
}

@test "64 clients in parallel all succeed with their own output" {
	local d=$BATS_TEST_TMPDIR i st pids=() wrong=
	# Each command waits for all 64 to have started: run one after
	# another, they would never get there.
	barrier_open "$d/b"
	for ((i = 1; i <= 64; i++)); do
		"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
		    "$(barrier_cmd "$d/b" "$i"); echo client-$i" \
		    >"$d/out.$i" 2>&1 3>&- 7>&- &
		pids+=($!)
	done
	wait_until "[ \$(barrier_count $d/b) -eq 64 ]" 30 ||
	    { barrier_release; fail "$(barrier_count "$d/b") of 64 started"; }
	barrier_release
	for ((i = 1; i <= 64; i++)); do
		st=0
		wait "${pids[i - 1]}" || st=$?
		if [ "$st" -ne 0 ] || [ "$(cat "$d/out.$i")" != "client-$i" ]; then
			wrong+=" $i:$st:$(head -c 100 "$d/out.$i")"
		fi
	done
	[ -z "$wrong" ] || fail "failed clients (number:status:output):$wrong"
}

@test "killing rsh mid-command kills the command on the server" {
	local m pid pids
	m=$(unique_marker)
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "sleep 300; : $m" >/dev/null 2>&1 3>&- &
	pid=$!
	pids=$(wait_remote "$m")
	kill -KILL "$pid"
	wait "$pid" || true
	wait_until "all_gone $pids" 10
}

@test "a script cut mid-line on its way to sh never runs the partial line" {
	local d=$BATS_TEST_TMPDIR m pid pids
	m=$(unique_marker)
	mkfifo "$d/script"
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -x 127.0.0.1 sh -s "$m" \
	    <"$d/script" >"$d/out" 2>&1 3>&- &
	pid=$!
	exec 5>"$d/script"
	# sh ignores TERM, so only KILL ends it: were its stdin closed before
	# the kill, it would read end of file and run the partial line.
	printf 'trap "" TERM\necho started >%s/started\ntouch %s/half' \
	    "$d" "$d" >&5
	wait_until "[ -e '$d/started' ]"
	pids=$(wait_remote "$m")
	kill -KILL "$pid"
	wait "$pid" || true
	wait_until "all_gone $pids" 15
	exec 5>&-
	[ ! -e "$d/half" ] || fail "the partial line ran"
}

@test "a connection lost before EXIT makes rsh exit 255, saying output may be truncated" {
	local d=$BATS_TEST_TMPDIR m pid st=0
	m=$(unique_marker)
	start_rshd "$d/srv"
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "echo before; sleep 3; : $m" >"$d/out" 2>"$d/err" 3>&- &
	pid=$!
	wait_remote "$m" >/dev/null
	wait_until "grep -q before '$d/out'"
	kill -KILL "$RSHD_PID"
	wait "$pid" || st=$?
	[ "$st" -eq 255 ] || fail "rsh exited $st"
	run cat "$d/err"
	assert_output \
	    "rsh: connection to 127.0.0.1:$RSHD_PORT lost; output may be truncated"
}

@test "rshd stops on SIGTERM with status 0 and kills running commands" {
	local d=$BATS_TEST_TMPDIR m pid pids st=0
	m=$(unique_marker)
	start_rshd "$d/srv"
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "sleep 300; : $m" >/dev/null 2>&1 3>&- &
	pid=$!
	pids=$(wait_remote "$m")
	kill -TERM "$RSHD_PID"
	wait_until "! proc_alive $RSHD_PID" 10
	wait "$RSHD_PID" || st=$?
	[ "$st" -eq 0 ] || fail "rshd exited $st"
	wait_until "all_gone $pids" 10
	wait_until "! proc_alive $pid" 10
	wait "$pid" || true
}

@test "rshd stops on SIGINT with status 0" {
	local st=0
	start_rshd "$BATS_TEST_TMPDIR/srv"
	kill -INT "$RSHD_PID"
	wait_until "! proc_alive $RSHD_PID" 10
	wait "$RSHD_PID" || st=$?
	[ "$st" -eq 0 ] || fail "rshd exited $st"
}

@test "a refused connection makes rsh exit 255 with one line" {
	local d=$BATS_TEST_TMPDIR port
	start_rshd "$d/srv"
	port=$RSHD_PORT
	stop_rshd "$RSHD_PID"
	run -255 rsh_cmd -n 127.0.0.1 true
	assert_output "rsh: 127.0.0.1:$port: connection refused"
}

@test "-m kills the whole process group, even members that ignore TERM" {
	local m
	m=$(unique_marker)
	run -143 --separate-stderr timeout "$(scaled 30)" "$RSH" -k "$RSH_KEYFILE" \
	    -p "$RSHD_PORT" -n -m 1 127.0.0.1 "sh -c 'trap \"\" TERM; \
	    while :; do sleep 1; done; : $m' >/dev/null 2>&1 & exec sleep 100"
	wait_until "! marked_alive '$m'" 10
}

@test "a background reader of stdin never sees end of file without STDIN_EOF" {
	local f=$BATS_TEST_TMPDIR/ran
	# An explicit <&0 keeps the pipe as the background job's stdin.
	run -0 probe exec-sh "sh <&0 >$f 2>&1 & sleep 0.5" \
	    started stdin 'echo partial-li' read
	assert_line 'EXIT 0 0'
	# Give a wrongly freed reader the time to run what it got.
	wait_until "[ -s '$f' ]" 2 || true
	[ ! -s "$f" ] || fail "the partial line ran: $(cat "$f")"
}

@test "rsh with stdout closed keeps its connection clean" {
	run -0 --separate-stderr sh -c 'exec >&-; exec "$@"' sh "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    'echo out; sleep 0.2; echo err >&2'
	assert_equal "$stderr" err
}

@test "rsh exits 255 when it cannot write the command's output" {
	run -255 --separate-stderr sh -c '"$@" >/dev/full' sh "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 echo hi
	assert_equal "$stderr" \
	    "rsh: cannot write standard output: No space left on device"
}

@test "clients that authenticate and then say nothing, or stop, give their slots back after IdleTimeout" {
	local d=$BATS_TEST_TMPDIR t0 t n
	start_rshd "$d/srv" -o MaxConnections=2 -o IdleTimeout=1s
	mkfifo "$d/hold"
	"$RSH_BUILD/tools/holdconns" -k "$RSH_KEYFILE" 127.0.0.1 "$RSHD_PORT" 2 \
	    <"$d/hold" >"$d/ready" 2>&1 3>&- &
	HOLD_PID=$!
	exec 5>"$d/hold"
	wait_until "grep -q '^ready 2' '$d/ready'" 30
	# Both authenticated, sent no EXEC, and now cannot send anything.
	kill -STOP "$HOLD_PID"
	t0=$(now_ms)
	# Busy until IdleTimeout frees the slots (never, before: the clock
	# only started after a first command).
	wait_until "rsh_cmd -n 127.0.0.1 true 2>/dev/null" 30 ||
	    fail "MaxConnections still taken by the silent clients after 30 s"
	t=$(($(now_ms) - t0))
	n=$(grep -c 'no command for 1000 ms (IdleTimeout); closing' \
	    "$d/srv/rshd.log")
	[ "$n" -eq 2 ] || fail "$n IdleTimeout closes in the log"
	echo "slots freed after $t ms (IdleTimeout 1 s)"
}

@test "a client stopped while output streams keeps its command past TCPKeepAlive" {
	local d=$BATS_TEST_TMPDIR pid
	start_rshd "$d/srv" -o TCPKeepAlive=2s
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "echo \$\$ >$d/cmd.pid; exec yes" >/dev/null 2>&1 3>&- &
	HOLD_PID=$!
	wait_until "[ -s '$d/cmd.pid' ]"
	pid=$(cat "$d/cmd.pid")
	# A pager left open, a job stopped with ^Z: its window shuts, but it
	# answers every probe, so it has not vanished.  TCP_USER_TIMEOUT
	# would cut it here (Linux 5.11 and later).
	kill -STOP "$HOLD_PID"
	sleep 8
	proc_alive "$pid" || fail "the command was stopped"
	! grep -q "nothing heard" "$d/srv/rshd.log" || fail "rshd let it go"
	kill -CONT "$HOLD_PID"
	kill -KILL "$HOLD_PID"
	wait "$HOLD_PID" 2>/dev/null || true
	HOLD_PID=
	wait_until "! proc_alive $pid" 10
}

@test "the listen backlog is the kernel's maximum unless ListenBacklog says" {
	local d=$BATS_TEST_TMPDIR max
	command -v ss >/dev/null || skip "ss (iproute2) is not installed"
	max=$(cat /proc/sys/net/core/somaxconn)
	start_rshd "$d/a"
	run -0 ss -Hltn "sport = :$RSHD_PORT"
	# A listener's Send-Q is its backlog.
	[ "$(awk '{ print $3 }' <<<"$output")" = "$max" ] || fail "$output"
	start_rshd "$d/b" -o ListenBacklog=16
	run -0 ss -Hltn "sport = :$RSHD_PORT"
	[ "$(awk '{ print $3 }' <<<"$output")" = 16 ] || fail "$output"
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
