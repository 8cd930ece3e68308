#!/usr/bin/env bats
# Commands in cgroups of their own (cgroup v2, delegated to rshd): a stop
# reaches what left the process group with setsid, a background job that
# was meant to outlive its command keeps running, and no cgroup is left
# behind, however many background jobs hold theirs.  Where rshd cannot use cgroups (not root, no cgroup v2, no
# cgroup.kill), the tests skip with its reason.

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
	# What a failed test left in commands' cgroups (see "many cgroups").
	if [ -f "$BATS_TEST_TMPDIR/cgroups" ]; then
		for cg in $(cat "$BATS_TEST_TMPDIR/cgroups"); do
			[ ! -d "$cg" ] || echo 1 >"$cg/cgroup.kill" || true
		done
	fi
	rsh_teardown
}

# The base rshd makes commands' cgroups under, or skip with its reason.
cgroup_base_or_skip() {
	local line
	line=$(grep -m1 -e 'runs in a cgroup of its own under' \
	    -e 'stopped by process group' "$RSHD_DIR/rshd.log")
	case $line in
	*"cgroup of its own under "*)
		echo "${line##* under }"
		;;
	*)
		skip "rshd does not use cgroups here: ${line#*process group: }"
		;;
	esac
}

@test "a process that left the group with setsid is stopped with its command" {
	local base m
	base=$(cgroup_base_or_skip)
	m=$(unique_marker)
	run -143 rsh_cmd -n -m 1 127.0.0.1 \
	    "setsid sh -c 'sleep 300; : $m' & sleep 30"
	assert_output --partial "time limit"
	wait_until "! marked_alive '$m'" 10
	# Its cgroup went with it.
	wait_until "[ -z \"\$(ls '$base' | grep '^rshd-cmd-$RSHD_PID-')\" ]" 5
}

@test "a background job meant to outlive its command keeps running" {
	local base m
	base=$(cgroup_base_or_skip)
	m=$(unique_marker)
	run -0 rsh_cmd -n 127.0.0.1 \
	    "nohup sh -c 'sleep 1; : $m' </dev/null >/dev/null 2>&1 & echo ok"
	assert_output ok
	marked_alive "$m"
	# Its cgroup stays while it runs, and goes once it ends.
	ls "$base" | grep -q "^rshd-cmd-$RSHD_PID-"
	wait_until "! marked_alive '$m'" 10
	wait_until "[ -z \"\$(ls '$base' | grep '^rshd-cmd-$RSHD_PID-')\" ]" 5
}

@test "each command is in a cgroup of its own" {
	local a b
	cgroup_base_or_skip >/dev/null
	a=$(rsh_cmd -n 127.0.0.1 'grep ^0:: /proc/self/cgroup')
	b=$(rsh_cmd -n 127.0.0.1 'grep ^0:: /proc/self/cgroup')
	[[ $a == *"/rshd-cmd-$RSHD_PID-"* ]] || fail "first: $a"
	[[ $b == *"/rshd-cmd-$RSHD_PID-"* ]] || fail "second: $b"
	[ "$a" != "$b" ] || fail "both in $a"
}

@test "with CommandCgroups no, a stop reaches the process group only" {
	local m
	start_rshd "$BATS_TEST_TMPDIR/srv" -o CommandCgroups=no
	grep -q 'stopped by process group: CommandCgroups is off' \
	    "$RSHD_DIR/rshd.log"
	m=$(unique_marker)
	run -143 rsh_cmd -n -m 1 127.0.0.1 \
	    "setsid sh -c 'sleep 20; : $m' & sleep 30"
	# What left the group survives: the reason cgroups are used.
	sleep 0.5
	marked_alive "$m"
	pkill -f -- "$m"
}

# sweeps_by_starts LOG: the removals of commands' cgroups that starts
# tried (not the privileged part's main loop, which sweeps once a second),
# as strace logged them.
sweeps_by_starts() {
	awk -v main="$(monitor_of "$RSHD_PID")" \
	    '$1 != main && /unlinkat\(.*rshd-cmd-/' "$1" | wc -l
}

@test "many cgroups left occupied by background jobs cost a start only a few removals" {
	local d=$BATS_TEST_TMPDIR/srv base m i before after
	strace_or_skip
	start_traced_rshd "$d" -e trace=unlinkat
	base=$(cgroup_base_or_skip)
	m=$(unique_marker)
	for ((i = 0; i < 60; i++)); do
		rsh_cmd -n 127.0.0.1 "nohup sh -c 'sleep 300; : $m' \
		    </dev/null >/dev/null 2>&1 &" || fail "job $i"
	done
	ls -d "$base/rshd-cmd-$RSHD_PID-"* >"$BATS_TEST_TMPDIR/cgroups"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/cgroups")" -ge 60 ] ||
	    fail "the jobs left fewer than 60 cgroups"
	# Ten starts: each tries a few leftovers and removes its own cgroup,
	# whatever the number left (trying them all was 60 each).
	before=$(sweeps_by_starts "$d/strace.log")
	for ((i = 0; i < 10; i++)); do
		rsh_cmd -n 127.0.0.1 true || fail "start $i"
	done
	after=$(sweeps_by_starts "$d/strace.log")
	echo "10 starts tried $((after - before)) removals"
	(((after - before) <= 10 * 6)) ||
	    fail "10 starts tried $((after - before)) removals"
	# Once the jobs end, every cgroup they held goes.
	for i in $(cat "$BATS_TEST_TMPDIR/cgroups"); do
		echo 1 >"$i/cgroup.kill"
	done
	wait_until "[ -z \"\$(ls '$base' | grep '^rshd-cmd-$RSHD_PID-')\" ]" 10
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
