#!/usr/bin/env bats
# The job under every command: its stop never holds up the connection, a
# spawn without resources is rshd's failure (255), and orphans are reaped
# when they come to rshd.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	local cg
	if [ -f "$BATS_TEST_TMPDIR/cgroup" ]; then
		cg=$(cat "$BATS_TEST_TMPDIR/cgroup")
		echo max >"$cg/pids.max" 2>/dev/null || true
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do
			echo "$p" >"${cg%/*}/cgroup.procs" 2>/dev/null || true
		done
		rmdir "$cg" 2>/dev/null || true
	fi
	if [ -f "$BATS_TEST_TMPDIR/unshare.pid" ]; then
		stop_pid1_rshd "$(cat "$BATS_TEST_TMPDIR/unshare.pid")"
	fi
	rsh_teardown
}

# A process left behind that ignores TERM and holds the command's stdin
# (explicitly: sh gives a background job /dev/null otherwise), which the
# client never closes.  The leader ignores TERM before it forks, so the
# leftover does from its first instruction: set in the leftover itself,
# the trap raced rshd's TERM, which can come as soon as the leader exits.
LEFTOVER="trap '' TERM; (sleep 30; : MARK) <&0 >/dev/null 2>&1 & exit 0"

@test "stopping a TERM-ignoring group after EXIT does not hold up the connection" {
	local m
	m=$(unique_marker)
	start_rshd "$BATS_TEST_TMPDIR/srv" -o KillGrace="$(scaled 5)s"
	# The old group takes KillGrace (5 s) to go; the probe gives up after
	# 2 s of silence (both times SLOW).  PONG and the next command come at
	# once.
	run -0 probe -t "$(scaled 2000)" exec-sh "${LEFTOVER/MARK/$m}" read ping 01 \
	    exec-sh 'echo next' read
	assert_line 'EXIT 0 0'
	assert_line 'PONG 01'
	assert_line 'STDOUT next\n'
	# And the group does go, with KILL.
	wait_until "! marked_alive '$m'" 10
}

@test "past eight groups still stopping, EXEC gets BUSY and nothing leaks" {
	local m i steps=()
	m=$(unique_marker)
	start_rshd "$BATS_TEST_TMPDIR/srv" -o KillGrace="$(scaled 3)s"
	record_baseline
	for ((i = 0; i < 9; i++)); do
		steps+=(exec-sh "${LEFTOVER/MARK/$m}" read)
	done
	run -0 probe -t "$(scaled 2000)" "${steps[@]}" exec-sh 'echo tenth' \
	    read close
	assert_line --partial 'ERROR 4 earlier commands of this connection'
	assert_line 'EXIT 2 255'
	refute_line 'STDOUT tenth\n'
	# Every group goes with KILL, and rshd holds nothing of them.
	wait_until "! marked_alive '$m'" 15
	assert_rshd_at_baseline
}

@test "a client that disconnects leaves nothing behind, in its own time" {
	local m pids
	m=$(unique_marker)
	run -0 probe -t "$(scaled 2000)" exec-sh "trap '' TERM; sleep 30; : $m" \
	    started close
	wait_until "! marked_alive '$m'" 10
	assert_rshd_at_baseline
}

@test "a detached job that holds none of the command's stdin survives, 20 times of 20" {
	local m i alive
	m=$(unique_marker)
	for ((i = 0; i < 20; i++)); do
		# The data and STDIN_EOF race the command's exit: whatever
		# wins, the job holds none of that stdin and must stay.
		printf x | rsh_cmd 127.0.0.1 \
		    "nohup sh -c 'sleep 30; : $m' </dev/null >/dev/null 2>&1 &" ||
		    fail "run $i failed"
	done
	# Give a wrongful stop the time to happen (KillGrace is 2 s).
	wait_until "[ \$(pgrep -f -c -- '$m') -lt 20 ]" 3 || true
	alive=$(pgrep -f -c -- "$m" || true)
	pkill -f -- "$m" || true
	[ "$alive" -eq 20 ] || fail "only $alive of 20 detached jobs survived"
}

@test "what still holds the stdin at exit is stopped; the rest of the group stays" {
	local m
	m=$(unique_marker)
	run -0 probe -t 5000 exec-sh "sh -c 'cat >/dev/null; : $m-reader' <&0 \
	    >/dev/null 2>&1 & sh -c 'sleep 30; : $m-other' </dev/null \
	    >/dev/null 2>&1 & exit 0" read
	assert_line 'EXIT 0 0'
	wait_until "! marked_alive '$m-reader'" 10
	marked_alive "$m-other" || fail "a job that held no stdin was stopped"
	pkill -f -- "$m-other"
}

# pids_cgroup_root: where a pids cgroup can be made (v2 or v1), or fails.
pids_cgroup_root() {
	if grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
	    grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
		echo /sys/fs/cgroup
	elif [ -f /sys/fs/cgroup/pids/cgroup.procs ]; then
		echo /sys/fs/cgroup/pids
	else
		return 1
	fi
}

@test "a spawn that fails for lack of processes is 255 with the cause, not 126" {
	local root cg
	[ "$(id -u)" -eq 0 ] || skip "needs root to cap rshd's processes"
	root=$(pids_cgroup_root) || skip "no pids cgroup controller here"
	RSHD_NO_UDP= start_rshd "$BATS_TEST_TMPDIR/srv"
	cg=$root/rsh-test-$BASHPID-$RANDOM
	mkdir "$cg" || skip "cannot make a cgroup under $root"
	echo "$cg" >"$BATS_TEST_TMPDIR/cgroup"
	# Both parts: the privileged one starts the commands.
	echo "$RSHD_PID" >"$cg/cgroup.procs"
	echo "$(monitor_of "$RSHD_PID")" >"$cg/cgroup.procs"
	# The cap is taken when both parts are quiet: a channel's thread
	# that parks afterwards would free a process for the command.
	wait_until "[ \$(monitor_threads) -le 3 ]" 10
	# UDP: the workers exist already, so the spawn is what fails.
	cat "$cg/pids.current" >"$cg/pids.max"
	run -255 rsh_cmd -u -n 127.0.0.1 true
	assert_output --partial "out of resources"
	# TCP: the connection's thread takes the last process.
	wait_until "[ \$(monitor_threads) -le 3 ]" 10
	echo $(($(cat "$cg/pids.current") + 1)) >"$cg/pids.max"
	run -255 rsh_cmd -n 127.0.0.1 true
	assert_output --partial "out of resources"
	echo max >"$cg/pids.max"
	run -0 rsh_cmd -n 127.0.0.1 echo fine
	assert_output fine
}

# stop_pid1_rshd UNSHARE_PID: TERM to the rshd that unshare started (its
# child, PID 1 inside), then waits for both.
stop_pid1_rshd() {
	local u=$1 r
	for r in $(children_of "$u"); do
		kill -TERM "$r" 2>/dev/null || true
	done
	wait_until "! proc_alive $u" 10 || kill -KILL "$u" 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/unshare.pid"
}

@test "as PID 1, rshd reaps orphans and still reports its commands' exits" {
	local d=$BATS_TEST_TMPDIR/pid1 u r i wrong=
	[ "$(id -u)" -eq 0 ] || skip "needs root for a PID namespace"
	command -v unshare >/dev/null || skip "no unshare here"
	make_keys "$d"
	unshare --pid --fork --mount-proc "$RSHD" -f none -D -p 0 \
	    --port-file "$d/port" -l 127.0.0.1 --no-udp -k "$d/keys" \
	    -o PermitRootCommands=yes </dev/null >>"$d/rshd.log" 2>&1 3>&- &
	u=$!
	echo "$u" >"$BATS_TEST_TMPDIR/unshare.pid"
	wait_until "[ -s '$d/port' ]" 10
	r=$(children_of "$u")
	[ -n "$r" ] || fail "no rshd under unshare"
	for ((i = 0; i < 50; i++)); do
		"$RSH" -k "$d/key" -p "$(cat "$d/port")" -n 127.0.0.1 \
		    "sleep 0.2 </dev/null >/dev/null 2>&1 & exit $((i % 7))" ||
		    [ $? -eq $((i % 7)) ] || wrong+=" $i"
	done
	[ -z "$wrong" ] || fail "wrong exit statuses for:$wrong"
	# The sleeps outlive their commands, come to rshd, and are reaped.
	wait_until "[ \$(commands_of $r | wc -l) -eq 0 ]" 10 ||
	    fail "rshd keeps $(commands_of "$r" | wc -l) children"
}
