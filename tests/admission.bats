#!/usr/bin/env bats
# Staying up under abuse, before authentication: idle connections from
# many addresses cannot lock a client out, a burst from one address is
# served, and an address that keeps failing to authenticate is refused
# for a while.  Attackers are other loopback addresses (127.0.0.2-9).

bats_require_minimum_version 1.5.0
load helpers

HOLD=$BATS_TEST_DIRNAME/tools/hold_unauth.py

teardown() {
	local h
	for h in "${HOLDER:-}" "${HOLDER2:-}"; do
		if [ -n "$h" ]; then
			kill "$h" 2>/dev/null || true
			wait "$h" 2>/dev/null || true
		fi
	done
	HOLDER= HOLDER2=
	rsh_teardown
}

# start_holder N ADDR...: N idle unauthenticated connections from each
# address, held in the background until teardown; waits until they are.
start_holder() {
	python3 "$HOLD" "$RSHD_PORT" "$@" >"$BATS_TEST_TMPDIR/holder" 3>&- &
	HOLDER=$!
	wait_until "grep -q '^held' '$BATS_TEST_TMPDIR/holder'" 30
}

@test "8 addresses holding 16 idle connections each cannot lock a client out" {
	local try t0 t
	# A table smaller than the attack, so that getting in means evicting.
	start_rshd "$BATS_TEST_TMPDIR/srv" -o MaxUnauthenticated=64 \
	    -o MaxUnauthenticatedPerSource=16 -o AuthTimeout=60s
	start_holder 16 127.0.0.{2..9}
	# Time must pass: a handshake younger than a second is never evicted.
	sleep 1.1
	for ((try = 0; try < 5; try++)); do
		t0=$(now_ms)
		run -0 rsh_cmd --connect-timeout "$(scaled 3)" 127.0.0.1 \
		    echo in
		assert_output in
		t=$(($(now_ms) - t0))
		# The issue's target: in within 3 s, 5 times out of 5 (in the
		# release build).
		((t < $(scaled 3000))) || fail "attempt $try took $t ms"
	done
	grep -q 'unauthenticated connections evicted to make room' \
	    "$RSHD_DIR/rshd.log"
	# Only attackers were evicted, and they still hold the table's rest.
	wait_until "grep -q '^lost' '$BATS_TEST_TMPDIR/holder'" 5
}

@test "the same holds with the default limits" {
	local try
	start_rshd "$BATS_TEST_TMPDIR/srv"
	start_holder 16 127.0.0.{2..9}
	for ((try = 0; try < 5; try++)); do
		run -0 rsh_cmd --connect-timeout 3 127.0.0.1 echo in
		assert_output in
	done
}

@test "a burst of 500 commands, 64 at once from one address, all succeed" {
	local d=$BATS_TEST_TMPDIR
	start_rshd "$d/srv"
	seq 500 | xargs -P64 -I{} sh -c '"$0" -k "$1" -p "$2" -n 127.0.0.1 \
	    true || echo "failed: {} $?"' "$RSH" "$RSH_KEYFILE" "$RSHD_PORT" \
	    >"$d/out" 2>&1
	run cat "$d/out"
	assert_output ""
	run -0 grep -c 'exited with status 0' "$RSHD_DIR/rshd.log"
	assert_output 500
}

@test "among sources tied at the most, the oldest handshake goes, not a fresh one" {
	local d=$BATS_TEST_TMPDIR
	start_rshd "$d/srv" -o MaxUnauthenticated=4 \
	    -o MaxUnauthenticatedPerSource=4 -o AuthTimeout=60s
	# 127.0.0.2's two handshakes are old ...
	start_holder 2 127.0.0.2
	sleep 1.1	# time must pass: past the minimum age
	# ... 127.0.0.1's two are fresh, and it sorts first.
	python3 "$HOLD" "$RSHD_PORT" 2 127.0.0.1 >"$d/fresh" 3>&- &
	HOLDER2=$!
	wait_until "grep -q '^held 2' '$d/fresh'" 30
	# The table is full; a newcomer from a third address gets in.
	run -0 python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.3", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
sys.exit(0 if s.recv(4) == b"RSH\x01" else 1)' "$RSHD_PORT"
	wait_until "grep -q '^lost 1' '$BATS_TEST_TMPDIR/holder'" 5
	run cat "$d/fresh"
	refute_line --partial lost
}

@test "a source at its limit is refused while its handshakes are fresh" {
	start_rshd "$BATS_TEST_TMPDIR/srv" -o MaxUnauthenticatedPerSource=2 \
	    -o AuthTimeout=60s
	start_holder 2 127.0.0.1
	run -0 grep -q '^held 2' "$BATS_TEST_TMPDIR/holder"
	run -255 rsh_cmd 127.0.0.1 true
	assert_output --partial "too many unauthenticated connections from your address"
}

@test "a source's stale handshake makes room for its next one" {
	# AuthTimeout 2 s: a handshake is stale after 500 ms.
	start_rshd "$BATS_TEST_TMPDIR/srv" -o MaxUnauthenticatedPerSource=2 \
	    -o AuthTimeout=2s
	start_holder 2 127.0.0.1
	sleep 0.6	# time must pass: the handshakes grow stale
	run -0 rsh_cmd 127.0.0.1 echo in
	assert_output in
	wait_until "grep -q '^lost 1' '$BATS_TEST_TMPDIR/holder'" 5
}

@test "an address that keeps failing to authenticate is refused for a while" {
	# Not "i": bats' run uses that name too.
	local d=$BATS_TEST_TMPDIR try
	start_rshd "$d/srv" -o MaxAuthFailures=3 -o AuthPenalty=2s
	make_keys "$d/wrong" test	# the same key id, another secret
	for ((try = 0; try < 3; try++)); do
		run -255 "$RSH" -k "$d/wrong/key" -p "$RSHD_PORT" -n \
		    127.0.0.1 true
		assert_output --partial "authentication failed"
	done
	# Now even the right key is refused, and told for how long.
	run -255 rsh_cmd 127.0.0.1 true
	assert_output --partial "too many failed authentications from your address; try again in 2 s"
	# Another address is not.
	run -0 python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.2", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
sys.exit(0 if s.recv(4) == b"RSH\x01" else 1)' "$RSHD_PORT"
	run -0 grep -c 'failed authentications within 60 s; refusing' \
	    "$RSHD_DIR/rshd.log"
	assert_output 1
	# The penalty ends.
	wait_until "rsh_cmd -n 127.0.0.1 true 2>/dev/null" 10
}
