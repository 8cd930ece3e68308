#!/usr/bin/env bats
# A persistent master connection (rsh -M): commands through it behave as
# direct ones (output, exit status, signals, -m, stdin), run concurrently,
# cost no handshake in the caller; -O check and -O exit; a dead master
# is detected; a control socket that is not ours is refused; ControlPath;
# a pooled connection the server closes as a command comes (a fake server,
# tests/tools/fakersh.c).

bats_require_minimum_version 1.5.0
load helpers

FAKERSH=$RSH_BUILD/tools/fakersh

setup_file() {
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

setup() {
	# Every test its own socket directory, so no master outlives it.
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	H=127.0.0.1
	# The master's stderr is /dev/null: under ASan/UBSan its reports go
	# to files that teardown looks at.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$BATS_TEST_TMPDIR/san
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$BATS_TEST_TMPDIR/san
}

teardown() {
	local f pid
	for pid in ${RAW_PIDS:-}; do
		kill "$pid" 2>/dev/null || true
	done
	for f in "$XDG_RUNTIME_DIR"/rsh/*.pid ${CP_DIR:+"$CP_DIR"/*.pid}; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || true
		wait_until "! proc_alive $pid" 10 || kill -KILL "$pid" || true
	done
	for pid in ${KILLED_PIDS:-}; do
		wait_until "! proc_alive $pid" 10 || true
	done
	for pid in ${FAKE_PIDS:-}; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "${CP_DIR:-}" ]; then
		rm -rf "$CP_DIR"
	fi
	rsh_teardown
	if ls "$BATS_TEST_TMPDIR"/san.* >/dev/null 2>&1; then
		cat "$BATS_TEST_TMPDIR"/san.*
		return 1
	fi
}

# start_master: rsh -M for this file's server; MASTER_PID its pid.
start_master() {
	run -0 rsh_cmd -M "$H" 3>&-
	MASTER_PID=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)
	proc_alive "$MASTER_PID"
}

# cp_dir: a short directory of mode 0700 for ControlPath (a socket's
# path holds 107 bytes; the test's directory may be long): CP_DIR.
cp_dir() {
	CP_DIR=$(mktemp -d /tmp/rshcp.XXXXXX)
	chmod 700 "$CP_DIR"
}

# cp_rsh ARG...: rsh for this file's server with HOME=$CP_DIR (for ~).
cp_rsh() {
	HOME=$CP_DIR "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$@"
}

# fake MODE [N]: fakersh with this file's keys, counting the EXECs it
# takes in $BATS_TEST_TMPDIR/fake/count; sets FAKE (its HOST:PORT).
fake() {
	local d=$BATS_TEST_TMPDIR/fake
	mkdir -p "$d"
	"$FAKERSH" -k "$RSHD_DIR/keys" -P "$d/port" -c "$d/count" "$@" \
	    </dev/null >"$d/log" 2>&1 3>&- &
	FAKE_PIDS="${FAKE_PIDS:-} $!"
	wait_until "[ -s '$d/port' ]" 10
	FAKE=127.0.0.1:$(cat "$d/port")
}

auth_count() {
	grep -c "authenticated key" "$RSHD_DIR/rshd.log" || true
}

@test "rsh -M starts a master in the background and returns 0" {
	start_master
	# Not our child, and in a session of its own.
	[ "$(ps -o ppid= -p "$MASTER_PID" | tr -d ' ')" != "$$" ]
	[ "$(ps -o sid= -p "$MASTER_PID")" != "$(ps -o sid= -p $$)" ]
	run -0 stat -c %a "$XDG_RUNTIME_DIR/rsh"
	assert_output 700
	run -0 sh -c "stat -c %a '$XDG_RUNTIME_DIR'/rsh/m-* | grep -v pid"
	run -0 rsh_cmd -O check "$H"
	assert_output --partial "pid $MASTER_PID"
}

@test "rsh -M reports a server it cannot reach and exits 255" {
	run -255 "$RSH" -k "$RSH_KEYFILE" -p 1 -M "$H" 3>&-
	assert_output --partial "127.0.0.1:1"
	[ -z "$(ls "$XDG_RUNTIME_DIR/rsh")" ]
}

@test "a command through the master: same stdout, stderr and status as direct" {
	local cmd='echo out; echo err >&2; exit 3'
	run -3 --separate-stderr rsh_cmd "$H" "$cmd"
	local out=$output err=$stderr
	start_master
	run -3 --separate-stderr rsh_cmd "$H" "$cmd"
	assert_equal "$output" "$out"
	assert_equal "$stderr" "$err"
	run -0 rsh_cmd -x "$H" printf '%s|' 'a b' c
	assert_output 'a b|c|'
}

@test "a command killed by TERM through the master exits 143" {
	start_master
	run -143 rsh_cmd "$H" 'kill -TERM $$'
}

@test "standard input goes through the master" {
	start_master
	run -0 sh -c "printf 'a\nb\n' | \"\$RSH\" -k '$RSH_KEYFILE' -p $RSHD_PORT $H cat"
	assert_output $'a\nb'
	run -0 sh -c "\"\$RSH\" -n -k '$RSH_KEYFILE' -p $RSHD_PORT $H 'cat; echo end'"
	assert_output end
}

@test "10 MB of output through the master arrive byte for byte" {
	start_master
	head -c 10000000 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	want=$(sha256sum <"$BATS_TEST_TMPDIR/big")
	got=$(rsh_cmd "$H" cat <"$BATS_TEST_TMPDIR/big" | sha256sum)
	assert_equal "$got" "$want"
	got=$(rsh_cmd "$H" "head -c 10000000 /dev/zero" | sha256sum)
	assert_equal "$got" "$(head -c 10000000 /dev/zero | sha256sum)"
}

@test "a reader that goes away ends the caller by SIGPIPE, as direct" {
	start_master
	run -0 bash -c "\"\$RSH\" -k '$RSH_KEYFILE' -p $RSHD_PORT $H yes | head -1; echo \${PIPESTATUS[0]}"
	assert_output $'y\n141'
	# The master is still there for the next one.
	run -0 rsh_cmd "$H" echo next
	assert_output next
}

@test "eight commands run at once on one master" {
	start_master
	local pids=() p d=$BATS_TEST_TMPDIR/barrier
	# Each command waits for all eight to have started: one after
	# another, they would never get there.
	barrier_open "$d"
	for i in 1 2 3 4 5 6 7 8; do
		rsh_cmd "$H" "$(barrier_cmd "$d" "$i"); echo $i" \
		    >"$BATS_TEST_TMPDIR/o$i" 3>&- 7>&- &
		pids+=($!)
	done
	wait_until "[ \$(barrier_count $d) -eq 8 ]" ||
	    { barrier_release; fail "$(barrier_count "$d") of 8 started"; }
	barrier_release
	for p in "${pids[@]}"; do
		wait "$p"
	done
	for i in 1 2 3 4 5 6 7 8; do
		assert_equal "$(cat "$BATS_TEST_TMPDIR/o$i")" "$i"
	done
}

@test "the calling rsh does no handshake: only the master authenticates" {
	start_master
	# Its spare connection may still be on its way: let it settle.
	rsh_cmd "$H" true
	local before after
	before=$(auth_count)
	for i in $(seq 10); do
		rsh_cmd "$H" true
	done
	after=$(auth_count)
	# The master may open one spare connection, never one per call.
	(( after - before <= 1 ))
}

@test "rcp copies through the master: ControlPersist starts one, later copies authenticate no more" {
	local t=$BATS_TEST_TMPDIR before n
	echo x >"$t/f"
	# rcp runs rsh as a child here, which starts the master and uses it.
	run -0 "$RSH_BUILD/rcp" -k "$RSH_KEYFILE" -P "$RSHD_PORT" \
	    -o ControlPersist=30s "$t/f" "$H:$t/g0" 3>&-
	cmp "$t/f" "$t/g0"
	MASTER_PID=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)
	proc_alive "$MASTER_PID"
	# Its spare connection may still be on its way: let it settle.
	rsh_cmd "$H" true
	before=$(auth_count)
	for n in 1 2 3; do
		run -0 "$RSH_BUILD/rcp" -k "$RSH_KEYFILE" -P "$RSHD_PORT" \
		    "$t/f" "$H:$t/g$n"
		cmp "$t/f" "$t/g$n"
	done
	run -0 "$RSH_BUILD/rcp" -k "$RSH_KEYFILE" -P "$RSHD_PORT" "$H:$t/g1" \
	    "$t/h"
	cmp "$t/f" "$t/h"
	# The master may open one spare connection, never one per copy.
	(( $(auth_count) - before <= 1 ))
}

@test "a call through a master loads no libcrypto; a direct call does" {
	# Before the master, the same call makes the handshake itself.
	run -0 loaded_libs rsh_cmd "$H" true
	assert_output --partial 'file=libcrypto'
	start_master
	run -0 loaded_libs rsh_cmd "$H" true
	refute_output --partial 'libcrypto'
	assert_output --partial 'file=libc.so'
}

@test "rsh -O exit stops the master; -O check then exits 255" {
	start_master
	run -0 rsh_cmd -O exit "$H"
	wait_until "! proc_alive $MASTER_PID" 10
	[ ! -e "$XDG_RUNTIME_DIR"/rsh/*.pid ]
	run -255 rsh_cmd -O check "$H"
	assert_output --partial "no master"
	run -0 rsh_cmd "$H" echo direct
	assert_output direct
}

@test "a master killed with -9 is noticed: the next call goes direct" {
	start_master
	kill -KILL "$MASTER_PID"
	KILLED_PIDS=$MASTER_PID
	wait_until "! proc_alive $MASTER_PID" 10
	run -0 --separate-stderr rsh_cmd -v "$H" echo fine
	assert_output fine
	[[ $stderr == *"stale socket"* ]]
	run -0 rsh_cmd "$H" echo again
	assert_output again
}

@test "a master that dies mid-command: the caller exits 255 and says so" {
	local m
	start_master
	m=$(unique_marker)
	# Running on the server, not just asked for: pgrep -f would find the
	# caller's own command line at once, before it reached the master.
	rsh_cmd "$H" "sleep 5; : $m" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local p=$!
	wait_remote "$m" >/dev/null
	kill -KILL "$MASTER_PID"
	KILLED_PIDS=$MASTER_PID
	local rc=0
	wait "$p" || rc=$?
	assert_equal "$rc" 255
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial "connection to the master lost"
}

@test "-m limits a command through the master as it does direct" {
	run -143 --separate-stderr rsh_cmd -m 300ms "$H" 'sleep 5'
	local err=$stderr
	start_master
	run -143 --separate-stderr rsh_cmd -m 300ms "$H" 'sleep 5'
	assert_equal "$stderr" "$err"
}

@test "SIGTERM to the calling rsh reaches the remote command: exit 143" {
	start_master
	local n p rc=0
	n=$(($(wc -l <"$RSHD_DIR/rshd.log") + 1))
	# rsh itself, not a subshell, gets the signal.
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$H" \
	    'echo started; sleep 10; echo not reached' \
	    >"$BATS_TEST_TMPDIR/out" 3>&- &
	p=$!
	wait_until "grep -q started '$BATS_TEST_TMPDIR/out'" 10
	kill -TERM "$p"
	wait "$p" || rc=$?
	assert_equal "$rc" 143
	# The SIGNAL record killed it, not the connection's end.
	wait_until "tail -n +$n '$RSHD_DIR/rshd.log' | grep -q 'killed by signal 15'" 10
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output started
	proc_alive "$MASTER_PID"
}

@test "a socket directory open to others is refused, with a clear error" {
	start_master
	chmod 755 "$XDG_RUNTIME_DIR/rsh"
	run -0 --separate-stderr rsh_cmd "$H" echo direct
	assert_output direct
	[[ $stderr == *"mode 755 lets others in"* ]]
	run -255 rsh_cmd -O check "$H"
	chmod 700 "$XDG_RUNTIME_DIR/rsh"
}

@test "a control socket owned by another uid is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a socket of another uid"
	start_master
	local s
	s=$(ls "$XDG_RUNTIME_DIR"/rsh/m-* | grep -v '\.pid$')
	chown 65534 "$s"
	run -0 --separate-stderr rsh_cmd "$H" echo direct
	assert_output direct
	[[ $stderr == *"refusing it"* ]]
	chown 0 "$s"
}

@test "a symlink instead of the socket directory is refused" {
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	chmod 700 "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$XDG_RUNTIME_DIR/rsh"
	run -255 rsh_cmd -M "$H" 3>&-
	assert_output --partial "refusing it"
}

@test "ControlPersist: the first call starts a master, the next use it" {
	run -0 rsh_cmd -o ControlPersist=30s "$H" echo one 3>&-
	assert_output one
	MASTER_PID=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)
	proc_alive "$MASTER_PID"
	run -0 rsh_cmd -O check "$H"
	run -255 rsh_cmd -o ControlPersist=bogus "$H" true
	assert_output --partial "ControlPersist"
}

@test "an idle master ends after ControlPersist" {
	run -0 rsh_cmd -o ControlPersist=500ms -M "$H" 3>&-
	MASTER_PID=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)
	wait_until "! proc_alive $MASTER_PID" 10
	[ -z "$(ls "$XDG_RUNTIME_DIR/rsh")" ]
}

@test "a caller whose reader stops holds up neither the master nor the others" {
	local m sleeper caller rc=0
	m=$(unique_marker)
	# Liveness at its tightest: the stalled connection is silent because
	# the master holds it, and must not be taken for a dead server.
	run -0 rsh_cmd -o AliveInterval=1 -o AliveCount=1 -M "$H" 3>&-
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	# A reader that never reads: the pipe fills, then the master's queue.
	sleep 60 <"$BATS_TEST_TMPDIR/fifo" 3>&- &
	sleeper=$!
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$H" "yes $m; true" \
	    >"$BATS_TEST_TMPDIR/fifo" 3>&- &
	caller=$!
	wait_remote "yes $m" >/dev/null
	sleep 3
	# Before, the master blocked writing to the full pipe: this hung.
	run -0 timeout -k 2 "$(scaled 10)" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$H" \
	    echo other
	assert_output other
	run -3 timeout "$(scaled 10)" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$H" \
	    'echo err >&2; exit 3'
	assert_output err
	marked_alive "yes $m"
	# The reader goes: the stalled caller ends as direct, by SIGPIPE.
	kill "$sleeper"
	wait "$sleeper" || true
	wait "$caller" || rc=$?
	assert_equal "$rc" 141
	wait_until "! marked_alive 'yes $m'" 10
}

@test "a slow reader gets every byte, in order, through the master" {
	start_master
	local want got
	want=$(seq 1 300000 | sha256sum)
	# The reader sleeps while the pipe and the master's queue fill.
	got=$(rsh_cmd "$H" "seq 1 300000" 3>&- | { sleep 2; cat; } | sha256sum)
	assert_equal "$got" "$want"
}

@test "two callers reading one stdin pipe hold up neither the master nor the others" {
	local d=$BATS_TEST_TMPDIR m a b
	start_master
	m=$(unique_marker)
	mkfifo "$d/in"
	# A writer that holds the pipe open and writes only when told.
	exec 5<>"$d/in"
	rsh_cmd "$H" "echo ready; cat >/dev/null; : A $m" <"$d/in" \
	    >"$d/a" 3>&- 5>&- &
	a=$!
	rsh_cmd "$H" "echo ready; cat >/dev/null; : B $m" <"$d/in" \
	    >"$d/b" 3>&- 5>&- &
	b=$!
	# Both commands have started: the master polls both stdins.
	wait_until "grep -q ready '$d/a' && grep -q ready '$d/b'" 10
	# One line: both fds poll readable, one caller's read takes it all.
	# Before, the master then blocked reading the other's stdin.
	printf 'x\n' >&5
	run -0 timeout -k 2 "$(scaled 10)" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$H" \
	    echo other 5>&-
	assert_output other
	exec 5>&-
	wait "$a"
	wait "$b"
}

@test "a refused caller whose stderr is full holds up neither the master nor the others" {
	local d=$BATS_TEST_TMPDIR
	start_master
	# A raw caller: a malformed EXEC, its stderr a full pipe nobody reads.
	python3 -c '
import fcntl, glob, os, socket, sys, time
path = [p for p in glob.glob(sys.argv[1] + "/rsh/m-*")
        if not p.endswith(".pid")][0]
r, w = os.pipe()
fl = fcntl.fcntl(w, fcntl.F_GETFL)
fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
for size in (65536, 1):
    try:
        while True:
            os.write(w, b"x" * size)
    except BlockingIOError:
        pass
fcntl.fcntl(w, fcntl.F_SETFL, fl)
s = socket.socket(socket.AF_UNIX)
s.connect(path)
null = os.open("/dev/null", os.O_RDONLY)
# CTL_EXEC with a 1-byte payload: the master refuses it, on stderr.
socket.send_fds(s, [bytes([1, 0, 0, 0, 1, 0])], [null, w, w])
print("sent", flush=True)
time.sleep(60)' "$XDG_RUNTIME_DIR" >"$d/raw" 2>&1 3>&- &
	RAW_PIDS=$!
	wait_until "grep -q sent '$d/raw'" 10
	# Before, the master blocked writing the refusal: this hung.
	run -0 timeout -k 2 "$(scaled 10)" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$H" \
	    echo other
	assert_output other
}

@test "ControlPath: ~ and the tokens are expanded, and the master listens there" {
	local cp='~/%h_%p_%r_%u_%n_%i_%%' s
	cp_dir
	run -0 cp_rsh -o "ControlPath=$cp" -o HostName=127.0.0.1 -l root \
	    -M cphost 3>&-
	s="$CP_DIR/127.0.0.1_${RSHD_PORT}_root_$(id -un)_cphost_$(id -u)_%"
	[ -S "$s" ] || fail "no socket at $s: $(ls "$CP_DIR")"
	[ -f "$s.pid" ]
	run -0 cp_rsh -o "ControlPath=$cp" -o HostName=127.0.0.1 -l root \
	    -O check cphost
	# Another account is another path (%r): no master there.
	run -255 cp_rsh -o "ControlPath=$cp" -o HostName=127.0.0.1 -l other \
	    -O check cphost
	run -0 cp_rsh -o "ControlPath=$cp" -o HostName=127.0.0.1 -l root \
	    -O exit cphost
	wait_until "[ ! -e '$s' ]" 10
}

@test "ControlPath %C is the default socket's name: a call without ControlPath finds that master" {
	mkdir -m 700 "$XDG_RUNTIME_DIR/rsh"
	run -0 rsh_cmd -o "ControlPath=$XDG_RUNTIME_DIR/rsh/m-%C" -M "$H" 3>&-
	run -0 --separate-stderr rsh_cmd -v "$H" echo hi
	assert_output hi
	[[ $stderr == *"through the master"* ]]
}

@test "ControlPath in the config file; its directory open to others is refused, as the default one" {
	local f
	cp_dir
	f=$BATS_TEST_TMPDIR/config
	printf 'Host %s\n\tControlPath %s/m-%%C\n' "$H" "$CP_DIR" >"$f"
	run -0 rsh_cmd -F "$f" -M "$H" 3>&-
	[ -S "$(ls "$CP_DIR"/m-* | grep -v '\.pid$')" ]
	run -0 --separate-stderr rsh_cmd -F "$f" -v "$H" echo hi
	[[ $stderr == *"through the master"* ]]
	chmod 755 "$CP_DIR"
	run -0 --separate-stderr rsh_cmd -F "$f" "$H" echo direct
	assert_output direct
	[[ $stderr == *"$CP_DIR: mode 755 lets others in"* ]]
	run -255 rsh_cmd -F "$f" -O check "$H"
	chmod 700 "$CP_DIR"
}

@test "ControlPath none: no master is started or used" {
	start_master
	run -0 --separate-stderr rsh_cmd -v -o ControlPath=none "$H" echo direct
	assert_output direct
	[[ $stderr != *"through the master"* ]]
	run -255 --separate-stderr rsh_cmd -o ControlPath=none -M "$H" 3>&-
	[[ $stderr == *"ControlPath is none: no master"* ]]
	run -255 rsh_cmd -o ControlPath=none -O check "$H"
	run -0 rsh_cmd -o ControlPath=none -o ControlPersist=30s "$H" echo one 3>&-
	assert_output one
	# Only start_master's.
	run -0 ls "$XDG_RUNTIME_DIR/rsh"
	[ "${#lines[@]}" -eq 2 ]
}

@test "a ControlPath too long for a unix socket, or with an unknown token, gets a clear error" {
	local long
	long=/tmp/$(printf '%0120d' 0)/%C
	run -255 --separate-stderr rsh_cmd -o "ControlPath=$long" -M "$H" 3>&-
	[[ $stderr == *"too long for a unix socket's path (at most 107 bytes)"* ]]
	# A call says so and connects directly.
	run -0 --separate-stderr rsh_cmd -o "ControlPath=$long" "$H" echo direct
	assert_output direct
	[[ $stderr == *"too long for a unix socket's path"* ]]
	run -255 --separate-stderr rsh_cmd -o "ControlPath=/tmp/%z" -M "$H" 3>&-
	[[ $stderr == *"unknown token '%z'"* ]]
	run -255 --separate-stderr rsh_cmd -o "ControlPath=m-%C" -M "$H" 3>&-
	[[ $stderr == *"not an absolute path"* ]]
}

@test "a pooled connection the server closes unread as a command comes (IdleTimeout): the command runs once, on a new connection" {
	# fakersh closes the master's first connection with the EXEC unread,
	# as rshd's IdleTimeout does when the two cross: a reset.
	fake idle-race 1
	run -0 rsh_cmd -M "$FAKE" 3>&-
	run -0 --separate-stderr rsh_cmd -v "$FAKE" true
	assert_output ok
	[[ $stderr == *"before it read the command"* ]]
	run -0 cat "$BATS_TEST_TMPDIR/fake/count"
	assert_output exec
}

@test "a command the server read before it closed is not sent again: exit 255" {
	# The EXEC was read, then an end of file: it may have run.
	fake accept-close 1
	run -0 rsh_cmd -M "$FAKE" 3>&-
	run -255 --separate-stderr rsh_cmd "$FAKE" true
	[[ $stderr == *"connection to $FAKE lost"* ]]
	run -0 cat "$BATS_TEST_TMPDIR/fake/count"
	assert_output exec
	# The master goes on, on a new connection.
	run -0 rsh_cmd "$FAKE" true
	assert_output ok
}
