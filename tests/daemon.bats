#!/usr/bin/env bats
# The daemon's lifecycle as an operator meets it: start-up errors on the
# terminal, a second instance, ports, idle connections.

bats_require_minimum_version 1.5.0
load helpers

teardown() {
	rsh_teardown
}

@test "without -D, what stops the start is printed on stderr too" {
	local d=$BATS_TEST_TMPDIR
	run -1 timeout 5 "$RSHD" -p 0 -l 127.0.0.1 -k "$d/no-such-keys"
	assert_output --partial "rshd: "
	assert_output --partial "$d/no-such-keys"
}

@test "a second instance says which pid already runs" {
	local d=$BATS_TEST_TMPDIR/srv
	start_rshd "$d" --pid-file "$d/rshd.pidfile"
	wait_until "[ -s '$d/rshd.pidfile' ]" 5
	run -1 timeout 5 "$RSHD" -D -p 0 -l 127.0.0.1 -k "$d/keys" \
	    -o PermitRootCommands=yes --pid-file "$d/rshd.pidfile"
	assert_output "rshd: already running as pid $RSHD_PID (pid file $d/rshd.pidfile)"
}

@test "ports are range-checked, never wrapped" {
	local d=$BATS_TEST_TMPDIR
	run -1 "$RSHD" -t -p 70000 -k "$d/keys"
	assert_output "rshd: invalid port '70000' (0 to 65535; 0 takes a free one)"
	run -1 "$RSHD" -t -o Port=0 -k "$d/keys"
	assert_output "rshd: invalid port '0' (1 to 65535)"
	run -1 "$RSHD" -t -p -1 -k "$d/keys"
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
