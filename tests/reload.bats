#!/usr/bin/env bats
# SIGHUP: a new configuration for new connections, the old one kept by
# those already open, a broken file refused with the old one in force,
# and nothing dropped.

bats_require_minimum_version 1.5.0
load helpers

teardown() {
	rsh_teardown
}

# reload N: SIGHUP, then waits for the log to say which generation is in
# force (N), or that the reload was refused (N = refused).
reload() {
	kill -HUP "$RSHD_PID"
	if [ "$1" = refused ]; then
		wait_until "grep -q 'reload refused' '$RSHD_DIR/rshd.log'" 10
	else
		wait_until "grep -q 'reloaded: configuration $1 in force' \
		    '$RSHD_DIR/rshd.log'" 10
	fi
}

@test "SIGHUP puts a new keys file in force; a running command keeps going" {
	local d=$BATS_TEST_TMPDIR m pid
	make_keys "$d/old" old
	make_keys "$d/new" new
	mkdir -p "$d/srv"
	cp "$d/old/keys" "$d/srv/keys"
	start_rshd "$d/srv"
	m=$(unique_marker)
	# The command ends when told to, after the reload, however slow the
	# machine.
	"$RSH" -k "$d/old/key" -p "$RSHD_PORT" 127.0.0.1 \
	    "echo $m >/dev/null; while [ ! -e $d/go ]; do sleep 0.05; done;
	    echo finished" </dev/null >"$d/out" 2>&1 3>&- &
	pid=$!
	wait_remote "$m"
	cp "$d/new/keys" "$d/srv/keys"
	reload 2
	run -0 "$RSH" -k "$d/new/key" -p "$RSHD_PORT" -n 127.0.0.1 echo new
	assert_output new
	run -255 "$RSH" -k "$d/old/key" -p "$RSHD_PORT" -n 127.0.0.1 true
	assert_output --partial "authentication failed"
	# The connection made under the old keys was not dropped.
	touch "$d/go"
	wait "$pid"
	run cat "$d/out"
	assert_output finished
}

@test "a config file that does not parse is refused and the old one stays" {
	local d=$BATS_TEST_TMPDIR pid
	mkdir -p "$d/srv"
	# Room for the command held at the barrier through a slow reload.
	printf 'MaxCommandTime 5s\n' >"$d/rshd.conf"
	start_rshd "$d/srv" -f "$d/rshd.conf"
	barrier_open "$d/b"
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
	    "$(barrier_cmd "$d/b" 1); echo finished" \
	    </dev/null >"$d/out" 2>&1 3>&- 7>&- &
	pid=$!
	wait_until "[ \$(barrier_count '$d/b') -eq 1 ]"
	printf 'MaxCommandTime 5s\nBogus 1\n' >"$d/rshd.conf"
	reload refused
	barrier_release
	# The command that ran meanwhile was not disturbed.
	wait "$pid"
	run cat "$d/out"
	assert_output finished
	grep -q "reload refused, the configuration in force stays: .*rshd.conf:2: unknown keyword 'Bogus'" \
	    "$RSHD_DIR/rshd.log"
	# Still serving, with the old settings (MaxCommandTime 5s).
	run -143 rsh_cmd -n 127.0.0.1 sleep 10
	assert_output --partial "time limit"
	# A good file later is taken.
	printf 'MaxCommandTime 0\n' >"$d/rshd.conf"
	reload 2
	run -0 rsh_cmd -n 127.0.0.1 'sleep 5.5; echo slow'
	assert_output slow
}

@test "a config file replaced by a FIFO is refused on reload; rshd still serves and stops on TERM" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/srv"
	printf 'MaxCommandTime 1s\n' >"$d/rshd.conf"
	start_rshd "$d/srv" -f "$d/rshd.conf"
	rm "$d/rshd.conf"
	mkfifo "$d/rshd.conf"
	reload refused
	grep -q "reload refused, the configuration in force stays: config file $d/rshd.conf is not a regular file; refusing it" \
	    "$RSHD_DIR/rshd.log"
	run -0 rsh_cmd -n 127.0.0.1 echo still
	assert_output still
	run -143 rsh_cmd -n 127.0.0.1 sleep 5
	assert_output --partial "time limit"
	stop_rshd
}

@test "a config file of NULs is refused on reload, naming the file and line; the settings stay" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/srv"
	printf 'MaxCommandTime 2s\n' >"$d/rshd.conf"
	start_rshd "$d/srv" -f "$d/rshd.conf"
	head -c 4096 /dev/zero >"$d/rshd.conf"
	reload refused
	grep -q "reload refused, the configuration in force stays: $d/rshd.conf:1: line holds a NUL byte" \
	    "$RSHD_DIR/rshd.log"
	run -143 rsh_cmd -n 127.0.0.1 sleep 5
	assert_output --partial "time limit of 2000 ms"
}

@test "an emptied config file is refused on reload, unless it was empty at start" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/srv" "$d/srv2"
	printf 'MaxCommandTime 1s\n' >"$d/rshd.conf"
	start_rshd "$d/srv" -f "$d/rshd.conf"
	: >"$d/rshd.conf"
	reload refused
	grep -q "reload refused, the configuration in force stays: config file $d/rshd.conf holds no setting now but held 1 when rshd started" \
	    "$RSHD_DIR/rshd.log"
	run -143 rsh_cmd -n 127.0.0.1 sleep 5
	assert_output --partial "time limit"
	# Empty from the start: a reload of it is nothing to guard against.
	printf '# nothing set yet\n' >"$d/empty.conf"
	start_rshd "$d/srv2" -f "$d/empty.conf"
	: >"$d/empty.conf"
	reload 2
}

@test "raising MaxConnections on reload takes effect for the next client" {
	local d=$BATS_TEST_TMPDIR pids=() m p
	mkdir -p "$d/srv"
	printf 'MaxConnections 2\n' >"$d/rshd.conf"
	start_rshd "$d/srv" -f "$d/rshd.conf"
	m=$(unique_marker)
	for p in 1 2; do
		"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
		    "echo $m >/dev/null; sleep 30; true" </dev/null \
		    >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	wait_until "[ \$(remote_pids '$m' | wc -l) -ge 2 ]" 10
	run -255 rsh_cmd -n 127.0.0.1 true
	assert_output --partial "too many connections"
	printf 'MaxConnections 3\n' >"$d/rshd.conf"
	reload 2
	run -0 rsh_cmd -n 127.0.0.1 echo third
	assert_output third
	kill "${pids[@]}"
	for p in "${pids[@]}"; do
		wait "$p" || true
	done
}

@test "a reload that changes what needs a restart says so and keeps it" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/srv"
	printf 'UdpWorkers 4\n' >"$d/rshd.conf"
	start_rshd "$d/srv" -f "$d/rshd.conf"
	printf 'UdpWorkers 8\nListenBacklog 64\n' >"$d/rshd.conf"
	reload 2
	grep -q "reload: ListenBacklog, UdpWorkers changed; that takes a restart" \
	    "$RSHD_DIR/rshd.log"
	run -0 rsh_cmd -n 127.0.0.1 echo ok
	assert_output ok
}

@test "max-sessions counts carry over a reload" {
	local d=$BATS_TEST_TMPDIR m pid line
	make_keys "$d/srv" ops
	line=$(cat "$d/srv/keys")
	printf '%s max-sessions=1\n' "$line" >"$d/srv/keys"
	start_rshd "$d/srv"
	m=$(unique_marker)
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
	    "echo $m >/dev/null; sleep 30; true" </dev/null \
	    >/dev/null 2>&1 3>&- &
	pid=$!
	wait_remote "$m"
	reload 2
	run -255 rsh_cmd -n 127.0.0.1 true
	assert_output --partial "has all its 1 sessions in use"
	kill "$pid"
	wait "$pid" || true
}

# two_keys DIR: a server keys file in DIR/srv with the keys ops and keep
# (client key files DIR/ops/key and DIR/keep/key).
two_keys() {
	make_keys "$1/ops" ops
	make_keys "$1/keep" keep
	mkdir -p "$1/srv"
	cat "$1/ops/keys" "$1/keep/keys" >"$1/srv/keys"
	chmod 600 "$1/srv/keys"
}

# rawprobe KEYNAME STEP...: the raw client with DIR/KEYNAME/key, where DIR
# is $BATS_TEST_TMPDIR.
rawprobe() {
	local k=$1
	shift
	"$RSHPROBE" -t 20000 -k "$BATS_TEST_TMPDIR/$k/key" 127.0.0.1 \
	    "$RSHD_PORT" "$@"
}

@test "a reload that removes a key ends its idle connections at once, and no other" {
	local d=$BATS_TEST_TMPDIR m
	two_keys "$d"
	start_rshd "$d/srv"
	m=$(unique_marker)
	# An idle connection of ops (one command done), and one of keep
	# whose command runs through the reload and then runs another.
	rawprobe ops exec-sh 'echo one' read read >"$d/ops.out" 3>&- &
	rawprobe keep exec-sh "echo $m >/dev/null; while [ ! -e '$d/go' ]; do \
	    sleep 0.05; done; echo kept" read exec-sh 'echo again' read \
	    >"$d/keep.out" 3>&- &
	wait_until "grep -q '^EXIT 0 0' '$d/ops.out'" 10
	wait_remote "$m" >/dev/null
	grep -v '^ops ' "$d/srv/keys" >"$d/srv/keys.new"
	chmod 600 "$d/srv/keys.new"
	mv "$d/srv/keys.new" "$d/srv/keys"
	reload 2
	# ops's connection ends at once, without a word (no command is
	# under way: any record would break the protocol).
	wait_until "grep -q '^EOF' '$d/ops.out'" 10
	grep -q "key 'ops' was removed by reload 2; closing$" "$RSHD_DIR/rshd.log"
	run -255 "$RSH" -k "$d/ops/key" -p "$RSHD_PORT" -n 127.0.0.1 true
	assert_output --partial "authentication failed"
	# keep's connection stands and serves.
	touch "$d/go"
	wait_until "grep -q 'STDOUT again' '$d/keep.out'" 10
	run cat "$d/keep.out"
	assert_line 'STDOUT kept\n'
	refute_line EOF
	run ! grep -q "key 'keep'.*by reload" "$RSHD_DIR/rshd.log"
}

@test "a key removed while its connection is still in the handshake runs nothing" {
	local d=$BATS_TEST_TMPDIR
	two_keys "$d"
	start_rshd "$d/srv"
	# Connected, greeted, and C1 with its EXEC not sent until after the
	# reload: it is authenticated against the keys of the accept.
	rawprobe ops pause 2500 exec-sh "touch '$d/ran'" read \
	    >"$d/ops.out" 3>&- &
	wait_until "[ \$(ss -Htn state established '( dport = :$RSHD_PORT )' |
	    wc -l) -ge 1 ]" 10
	grep -v '^ops ' "$d/srv/keys" >"$d/srv/keys.new"
	chmod 600 "$d/srv/keys.new"
	mv "$d/srv/keys.new" "$d/srv/keys"
	reload 2
	wait_until "grep -q '^EXIT\|^EOF' '$d/ops.out'" 10
	grep -q "key 'ops' was removed by reload 2; closing$" \
	    "$RSHD_DIR/rshd.log"
	run cat "$d/ops.out"
	refute_line 'STARTED'
	[ ! -e "$d/ran" ]
}

@test "a reload that changes a key's options lets its running command end, then closes" {
	local d=$BATS_TEST_TMPDIR m
	two_keys "$d"
	start_rshd "$d/srv"
	m=$(unique_marker)
	rawprobe ops exec-sh "echo $m >/dev/null; while [ ! -e '$d/go' ]; do \
	    sleep 0.05; done; echo done" read read >"$d/ops.out" 3>&- &
	wait_remote "$m" >/dev/null
	sed -i 's/^\(ops [^ ]*\)$/\1 max-sessions=5/' "$d/srv/keys"
	reload 2
	wait_until "grep -q \"key 'ops' has new options by reload 2; closing when its command ends\" '$RSHD_DIR/rshd.log'" 10
	touch "$d/go"
	# The command finishes, its EXIT arrives, then the connection ends.
	wait_until "grep -q '^EOF' '$d/ops.out'" 10
	run cat "$d/ops.out"
	assert_line 'STDOUT done\n'
	assert_line 'EXIT 0 0'
	# The new options are in force for a new connection.
	run -0 "$RSH" -k "$d/ops/key" -p "$RSHD_PORT" -n 127.0.0.1 echo new
	assert_output new
}

@test "a reload that leaves a key as it is does not cut its connections" {
	local d=$BATS_TEST_TMPDIR
	two_keys "$d"
	start_rshd "$d/srv"
	rawprobe ops exec-sh 'echo one' read read >"$d/ops.out" 3>&- &
	wait_until "grep -q '^EXIT 0 0' '$d/ops.out'" 10
	# Another key changes; ops's line stays as it is.
	sed -i 's/^\(keep [^ ]*\)$/\1 max-sessions=3/' "$d/srv/keys"
	echo '# a comment' >>"$d/srv/keys"
	reload 2
	# The idle connection is still there for the next reload to end.
	sed -i '/^ops /d' "$d/srv/keys"
	reload 3
	wait_until "grep -q '^EOF' '$d/ops.out'" 10
	grep -q "key 'ops' was removed by reload 3; closing$" "$RSHD_DIR/rshd.log"
	run ! grep -q "by reload 2" "$RSHD_DIR/rshd.log"
}

@test "after a reload, UDP requests are checked against the new keys" {
	local d=$BATS_TEST_TMPDIR
	make_keys "$d/old" old
	make_keys "$d/new" new
	mkdir -p "$d/srv"
	cp "$d/old/keys" "$d/srv/keys"
	RSHD_NO_UDP= start_rshd "$d/srv"
	run -0 "$RSH" -u -k "$d/old/key" -p "$RSHD_PORT" 127.0.0.1 echo old
	assert_output old
	cp "$d/new/keys" "$d/srv/keys"
	reload 2
	run -0 "$RSH" -u -k "$d/new/key" -p "$RSHD_PORT" 127.0.0.1 echo new
	assert_output new
}
