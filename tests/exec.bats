#!/usr/bin/env bats
# Running commands: exit statuses, signals, argv and shell, failures to
# start, time limits, signals forwarded from rsh; starts that do not wait
# for one another, and the fds a command gets.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	rsh_teardown
}

@test "every exit status from 0 to 255 becomes rsh's exit status" {
	local i st wrong=
	for ((i = 0; i < 256; i++)); do
		st=0
		rsh_cmd -n 127.0.0.1 "exit $i" || st=$?
		[ "$st" -eq "$i" ] || wrong+=" $i->$st"
	done
	[ -z "$wrong" ] || fail "wrong exit statuses (sent->got):$wrong"
}

@test "a command killed by signal N makes rsh exit 128+N" {
	local sig st wrong=
	# sh -c with -x: the account's shell may be bash, which ignores QUIT.
	for sig in 1 2 3 6 9 10 13 15; do
		st=0
		rsh_cmd -n -x 127.0.0.1 sh -c "ulimit -c 0; kill -$sig \$\$" ||
		    st=$?
		[ "$st" -eq $((128 + sig)) ] || wrong+=" $sig->$st"
	done
	[ -z "$wrong" ] || fail "wrong exit statuses (signal->got):$wrong"
}

@test "a command that is not found exits 127" {
	run -127 rsh_cmd -n -x 127.0.0.1 no-such-command-rsh-test arg
	assert_output --partial no-such-command-rsh-test
	run -127 rsh_cmd -n 127.0.0.1 no-such-command-rsh-test arg
	assert_output --partial no-such-command-rsh-test
}

@test "a file that is not executable exits 126" {
	local f=$BATS_TEST_TMPDIR/not-executable
	printf 'echo should not run\n' >"$f"
	chmod 644 "$f"
	run -126 rsh_cmd -n -x 127.0.0.1 "$f"
	refute_output --partial "should not run"
	run -126 rsh_cmd -n 127.0.0.1 "$f"
	refute_output --partial "should not run"
}

@test "-x runs the arguments as argv, keeping spaces and metacharacters" {
	run -0 rsh_cmd -n -x 127.0.0.1 printf '%s\n' 'a b' '$HOME' '*;|' \
	    '' "it's" '`id`' '>x'
	assert_output "$(printf '%s\n' 'a b' '$HOME' '*;|' '' "it's" \
	    '`id`' '>x')"
	[ ! -e "$HOME/>x" ] && [ ! -e '/>x' ]
}

@test "without -x the arguments are joined with spaces and run by sh" {
	run -0 rsh_cmd -n 127.0.0.1 echo '$((6 * 7))' '|' tr 4 X
	assert_output X2
}

@test "a command within its -m limit runs normally" {
	run -0 rsh_cmd -n -m 10 127.0.0.1 echo in time
	assert_output "in time"
}

@test "-m 1 kills a longer command promptly: exit 143, 'timed out'" {
	local m t0 t
	m=$(unique_marker)
	t0=$(now_ms)
	run -143 timeout "$(scaled 20)" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n \
	    -m 1 127.0.0.1 "sleep 30; : $m"
	t=$(($(now_ms) - t0))
	assert_output --partial "timed out"
	((t < $(scaled 5000))) || fail "took ${t} ms"
	wait_until "[ -z \"\$(remote_pids $m)\" ]" 10
}

# forward_signal SIG STATUS: rsh running a long remote command gets SIG
# and exits STATUS promptly, and the remote command is gone.
# start_rsh_bg MARKER COMMAND: rsh running COMMAND (which carries MARKER)
# in the background, output in $BATS_TEST_TMPDIR/out; sets RSH_PID, and
# REMOTE_PIDS once the command runs.
start_rsh_bg() {
	# A background job of a script starts with SIGINT ignored: undo that.
	env --default-signal=INT,QUIT "$RSH" -k "$RSH_KEYFILE" \
	    -p "$RSHD_PORT" -n 127.0.0.1 "$2" \
	    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	RSH_PID=$!
	REMOTE_PIDS=$(wait_remote "$1")
}

forward_signal() {
	local sig=$1 want=$2 m pid pids st=0 t0 t
	m=$(unique_marker)
	start_rsh_bg "$m" "sleep 30; : $m"
	pid=$RSH_PID
	pids=$REMOTE_PIDS
	t0=$(now_ms)
	kill -"$sig" "$pid"
	wait "$pid" || st=$?
	t=$(($(now_ms) - t0))
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq "$want" ] || fail "rsh exited $st, not $want"
	((t < $(scaled 5000))) || fail "took ${t} ms"
	wait_until "all_gone $pids" 10
}

@test "Ctrl-C on rsh reaches the command: SIGINT exits 130 promptly" {
	forward_signal INT 130
}

@test "SIGTERM on rsh reaches the command: exits 143 promptly" {
	forward_signal TERM 143
}

@test "SIGHUP on rsh reaches the command: exits 129 promptly" {
	forward_signal HUP 129
}

@test "rsh gives up after three signals the command ignores, and the command dies" {
	local m pid pids st=0 ints=$BATS_TEST_TMPDIR/ints
	m=$(unique_marker)
	# The command notes each SIGINT and goes on.
	start_rsh_bg "$m" "trap 'echo int >>$ints' INT;
	    while :; do sleep 0.1; done; : $m"
	pid=$RSH_PID
	pids=$REMOTE_PIDS
	# Pending signals of one kind merge: the next goes once the command
	# has had the last, so that rsh sees three.
	kill -INT "$pid"
	wait_until "[ \$(wc -l <$ints 2>/dev/null || echo 0) -ge 1 ]"
	kill -INT "$pid"
	wait_until "[ \$(wc -l <$ints) -ge 2 ]"
	kill -INT "$pid"
	wait "$pid" || st=$?
	[ "$st" -eq 130 ] || fail "rsh exited $st: $(cat "$BATS_TEST_TMPDIR/out")"
	grep -q "giving up on the command after 3 signals" "$BATS_TEST_TMPDIR/out" ||
	    fail "stderr: $(cat "$BATS_TEST_TMPDIR/out")"
	# The server sees the connection go and stops the command itself.
	wait_until "all_gone $pids" 10
}

@test "a command starts with no signal ignored or blocked, in its own session" {
	run -0 rsh_cmd -n 127.0.0.1 \
	    'grep -E "^Sig(Ign|Blk)" /proc/self/status; ps -o sid= -o pgid= -p $$'
	assert_line --index 0 $'SigBlk:\t0000000000000000'
	assert_line --index 1 $'SigIgn:\t0000000000000000'
	[[ ${lines[2]} =~ ^\ *([0-9]+)\ +([0-9]+)$ ]] || fail "ps: ${lines[2]}"
	assert_equal "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
}

@test "signals rshd inherited ignored, glibc's own included, are not the command's" {
	# As nohup would start it, and worse.
	RSHD_WRAP="$RSH_BUILD/tools/sigign 32 33 1 --" \
	    start_rshd "$BATS_TEST_TMPDIR/srv"
	run -0 rsh_cmd -n 127.0.0.1 'grep "^SigIgn" /proc/self/status'
	assert_output $'SigIgn:\t0000000000000000'
	# SIGHUP still reloads.
	kill -HUP "$RSHD_PID"
	wait_until "grep -q 'reloaded: configuration 2' '$RSHD_DIR/rshd.log'"
	# A command that needs the fork path (a resource limit) too.
	stop_rshd
	RSHD_WRAP="$RSH_BUILD/tools/sigign 32 33 1 --" \
	    start_rshd "$BATS_TEST_TMPDIR/srv2" -o LimitNOFILE=512
	run -0 rsh_cmd -n 127.0.0.1 'grep "^SigIgn" /proc/self/status'
	assert_output $'SigIgn:\t0000000000000000'
}

@test "a request too large says which part takes the room, and how much too large it is" {
	local i args=()
	for ((i = 0; i < 10000; i++)); do
		args+=(-e "V$i=x")
	done
	run -255 rsh_cmd "${args[@]}" 127.0.0.1 true
	assert_output --regexp '^rsh: the request is [0-9]+ bytes too large \(at most 65536\): the environment \(10000 -e variables\) [0-9]+ bytes, the command and its arguments 9$'
	refute_output --partial "the command is too long"
	run -255 rsh_cmd -d /tmp 127.0.0.1 echo "$(printf 'a%.0s' $(seq 1 70000))"
	assert_output --regexp '^rsh: the request is 4[0-9]{3} bytes too large \(at most 65536\): the command and its arguments 700[0-9]{2} bytes, the working directory \(-d\) 9$'
	run -255 rsh_cmd -u 127.0.0.1 echo "$(printf 'a%.0s' $(seq 1 70000))"
	assert_output --regexp ': over UDP, the request is [0-9]+ bytes too large \(at most [0-9]+\): the command and its arguments 700[0-9]{2} bytes; use TCP \(without -u\)$'
}

# starting_children: rshd's children that have not exec'd their command
# yet (still rshd's program).
starting_children() {
	local c self
	self=$(readlink -f "$RSHD")
	for c in $(commands_of "$RSHD_PID"); do
		[ "$(readlink "/proc/$c/exe" 2>/dev/null)" != "$self" ] ||
		    echo "$c"
	done
}

@test "a start hung in chdir holds up no other command, and its time limit ends it" {
	local d=$BATS_TEST_TMPDIR/srv slow=$BATS_TEST_TMPDIR/slow pid st=0
	strace_or_skip
	mkdir -p "$slow"
	# Two keys: the second command has nothing in common with the first.
	make_keys "$d" && make_keys "$d/other" other
	cat "$d/other/keys" >>"$d/keys"
	# A chdir() into $slow takes 8 s, as into a hung NFS directory.
	start_traced_rshd "$d" -P "$slow" -e trace=chdir \
	    -e inject=chdir:delay_enter=8s
	"$RSH" -k "$d/key" -p "$RSHD_PORT" -n -m 2 -d "$slow" 127.0.0.1 \
	    echo late >"$BATS_TEST_TMPDIR/hung" 2>&1 3>&- &
	pid=$!
	wait_until '[ -n "$(starting_children)" ]' 10
	# The other key's command starts and ends while that start hangs.
	run -0 "$RSH" -k "$d/other/key" -p "$RSHD_PORT" -n 127.0.0.1 echo fast
	assert_output fast
	[ -n "$(starting_children)" ] || fail "the command waited for the hung start"
	# The hung one is killed when its time limit (2 s) expires: 255, and
	# the reason.  (strace holds a killed tracee until its delay is over,
	# where a hung NFS or FUSE directory lets it go at once: when rsh
	# ends says nothing here.)
	wait "$pid" || st=$?
	run cat "$BATS_TEST_TMPDIR/hung"
	[ "$st" -eq 255 ] || fail "rsh exited $st: $output"
	assert_output --partial "did not start within its time limit of 2000 ms"
	assert_output --partial "changing directory to $slow"
	refute_output --partial late
	[ -z "$(starting_children)" ] || fail "the hung child is still there"
	# The connection's thread is free again.
	run -0 "$RSH" -k "$d/key" -p "$RSHD_PORT" -n 127.0.0.1 echo again
	assert_output again
}

# command_fds: the fds a command's shell has open, one a line.
command_fds() {
	rsh_cmd -n 127.0.0.1 'ls /proc/$$/fd; :'
}

@test "fds rshd inherited are closed at start-up, never a command's" {
	local f=$BATS_TEST_TMPDIR/inherited
	exec 7>"$f"
	start_rshd "$BATS_TEST_TMPDIR/srv"
	exec 7>&-
	run ls -l "/proc/$RSHD_PID/fd"
	refute_output --partial "$f"
	run -0 command_fds
	assert_output "$(printf '0\n1\n2')"
}

@test "where close_range fails, a command has only 0, 1 and 2; the pid file is close-on-exec" {
	local d=$BATS_TEST_TMPDIR/srv fd flags
	strace_or_skip
	start_traced_rshd "$d" -e trace=close_range \
	    -e inject=close_range:error=ENOSYS -- --pid-file "$d/pidfile"
	run -0 command_fds
	assert_output "$(printf '0\n1\n2')"
	# The child did try close_range, and went on without it.
	grep -q 'close_range(3, .*(INJECTED)' "$d/strace.log" ||
	    fail "close_range was not made to fail"
	# On any kernel, the pid file's fd closes on exec.
	for fd in /proc/"$RSHD_PID"/fd/*; do
		[ "$(readlink "$fd")" = "$d/pidfile" ] || continue
		flags=$(awk '/^flags:/ { print $2 }' \
		    "/proc/$RSHD_PID/fdinfo/${fd##*/}")
		(((8#$flags & 8#2000000) != 0)) ||
		    fail "pid file fd ${fd##*/}: flags $flags, no O_CLOEXEC"
		return 0
	done
	fail "rshd holds no fd of its pid file"
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
