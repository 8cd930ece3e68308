#!/usr/bin/env bats
# Peers that vanish without a word (a crash, a cut cable): each test makes
# two network namespaces joined by a veth pair, rshd in one and the client
# in the other, then takes one end down under a connection, so that
# nothing it sends arrives and nothing comes back, and measures how long
# the other side holds on.  No traffic leaves the test's veth.  Root only
# (ip netns); skipped with the reason otherwise.

bats_require_minimum_version 1.5.0
load helpers

NET=10.67.0

# bats 1.8 (Debian 12) counts a skip in setup_file as a failure: the
# reason goes to each test's setup instead.
setup_file() {
	NETNS_SKIP=$(netns_skip_reason)
	export NETNS_SKIP
	[ -z "$NETNS_SKIP" ] || return 0
	make_keys "$BATS_FILE_TMPDIR/key" || return 1
	export RSH_KEYFILE=$BATS_FILE_TMPDIR/key/key
}

# The client's namespace ${NS}c holds veth0 ($NET.1), the server's ${NS}s
# its peer eth0 ($NET.2).
setup() {
	[ -z "${NETNS_SKIP:-}" ] || skip "$NETNS_SKIP"
	NS=rshlv$$t$BATS_TEST_NUMBER
	ip netns add "${NS}c"
	ip netns add "${NS}s"
	ip -n "${NS}c" link add veth0 type veth peer name eth0 netns "${NS}s"
	ip -n "${NS}c" addr add "$NET.1/24" dev veth0
	ip -n "${NS}s" addr add "$NET.2/24" dev eth0
	for n in c s; do
		ip -n "${NS}$n" link set lo up
	done
	ip -n "${NS}c" link set veth0 up
	ip -n "${NS}s" link set eth0 up
	PIDS=
}

teardown() {
	local p
	[ -n "${NS:-}" ] || return 0
	show_logs_on_failure
	for p in $PIDS; do
		kill -CONT "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ ! -f "$BATS_TEST_TMPDIR/srv/rshd.pid" ] ||
	    stop_rshd "$(cat "$BATS_TEST_TMPDIR/srv/rshd.pid")" || true
	ip netns del "${NS}c" 2>/dev/null || true
	ip netns del "${NS}s" 2>/dev/null || true
	if [ -f "$BATS_TEST_TMPDIR/srv/rshd.log" ] &&
	    grep -qE 'Sanitizer|runtime error:' "$BATS_TEST_TMPDIR/srv/rshd.log"; then
		cat "$BATS_TEST_TMPDIR/srv/rshd.log"
		return 1
	fi
}

# server ARG...: rshd in ${NS}s with one connection slot; sets PORT.
server() {
	local d=$BATS_TEST_TMPDIR/srv
	mkdir -p "$d"
	ip netns exec "${NS}s" env --default-signal=INT,QUIT "$RSHD" -f none -D -p 0 \
	    --port-file "$d/port" $RSHD_NO_UDP -k "$BATS_FILE_TMPDIR/key/keys" \
	    -l 0.0.0.0 -o PermitRootCommands=yes -o ShutdownGrace=0 \
	    -o MaxConnections=1 "$@" </dev/null >>"$d/rshd.log" 2>&1 3>&- &
	echo $! >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ]" 10
	PORT=$(cat "$d/port")
}

# in_client CMD...: CMD in the client's namespace, in the background,
# its output in OUT; its pid added to PIDS and in CLIENT.
in_client() {
	local out=$1
	shift
	ip netns exec "${NS}c" "$@" </dev/null >"$out" 2>&1 3>&- &
	CLIENT=$!
	PIDS="$PIDS $CLIENT"
}

# slot_free: the one connection slot takes a command (from the server's
# own namespace, over its loopback).
slot_free() {
	ip netns exec "${NS}s" "$RSH" -k "$RSH_KEYFILE" -p "$PORT" -n \
	    127.0.0.1 true 2>/dev/null
}

# vanish PID: the client's end of the veth goes down, so nothing it sends
# arrives and nothing reaches it, then the client dies without a word.
vanish() {
	ip -n "${NS}c" link set veth0 down
	kill -KILL "$1"
	wait "$1" 2>/dev/null || true
}

# freed_within SECONDS PIDFILE: waits until the slot takes a command and
# the command whose pid is in PIDFILE is gone; prints the milliseconds.
freed_within() {
	local limit=$1 pid t0=$(now_ms)
	pid=$(cat "$2")
	wait_until "slot_free" "$limit" ||
	    fail "the vanished client's slot is still held after $limit s"
	wait_until "! proc_alive $pid" 10 || fail "its command $pid still runs"
	echo $(($(now_ms) - t0))
}

# vanish_while PROGRAM: under TCPKeepAlive 3s, the client vanishes while
# its command runs PROGRAM; the slot and the command must go within 30 s.
vanish_while() {
	local d=$BATS_TEST_TMPDIR t
	server -o TCPKeepAlive=3s
	in_client "$d/out" "$RSH" -k "$RSH_KEYFILE" -p "$PORT" -n "$NET.2" \
	    "echo \$\$ >$d/cmd.pid; exec $1"
	wait_until "[ -s '$d/cmd.pid' ]" 20
	vanish "$CLIENT"
	t=$(freed_within 30 "$d/cmd.pid")
	echo "freed after $t ms (TCPKeepAlive 3 s)"
}

@test "a client that vanished while output streams frees its slot and stops its command within TCPKeepAlive" {
	local d=$BATS_TEST_TMPDIR
	# Before: the kernel's retransmissions decided, after 15 minutes.
	vanish_while yes
	grep -q "nothing heard from the client for [0-9]* ms while it owes an acknowledgement (TCPKeepAlive 3000 ms); closing" \
	    "$d/srv/rshd.log" || fail "no line saying why"
}

@test "a client that vanished while its command is quiet frees its slot and stops its command within TCPKeepAlive" {
	vanish_while 'sleep 1000'
}

@test "with TCPKeepAlive no, a client that vanished before its first command frees its slot after IdleTimeout" {
	local d=$BATS_TEST_TMPDIR t0 t
	server -o TCPKeepAlive=no -o IdleTimeout=2s
	mkfifo "$d/hold"
	ip netns exec "${NS}c" "$RSH_BUILD/tools/holdconns" -k "$RSH_KEYFILE" \
	    "$NET.2" "$PORT" 1 <"$d/hold" >"$d/ready" 2>&1 3>&- &
	CLIENT=$!
	PIDS="$PIDS $CLIENT"
	exec 5>"$d/hold"
	wait_until "grep -q '^ready 1' '$d/ready'" 20
	vanish "$CLIENT"
	exec 5>&-
	t0=$(now_ms)
	# Before: never, nothing counted the time before a first command.
	wait_until "slot_free" 30 ||
	    fail "the vanished client's slot is still held after 30 s"
	t=$(($(now_ms) - t0))
	echo "freed after $t ms (IdleTimeout 2 s)"
}

@test "a master's pooled connection to a server that vanished is dropped within AliveInterval times AliveCount + 1" {
	local d=$BATS_TEST_TMPDIR t0 t
	server
	export XDG_RUNTIME_DIR=$d/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	ip netns exec "${NS}c" "$RSH" -k "$RSH_KEYFILE" -p "$PORT" \
	    -o AliveInterval=1 -o AliveCount=2 -M "$NET.2" </dev/null 3>&-
	PIDS="$PIDS $(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)"
	# Its pooled connection stays idle: no command, so no PING.
	wait_until "[ -n \"\$(ip netns exec ${NS}c ss -Htn state established \
	    'dport = :$PORT')\" ]" 10
	ip -n "${NS}s" link set eth0 down
	t0=$(now_ms)
	# Before: never, nothing probed an idle connection.
	wait_until "[ -z \"\$(ip netns exec ${NS}c ss -Htn state established \
	    'dport = :$PORT')\" ]" 30 ||
	    fail "the master still holds a connection to the vanished server"
	t=$(($(now_ms) - t0))
	echo "dropped after $t ms (AliveInterval 1 s, AliveCount 2)"
}
