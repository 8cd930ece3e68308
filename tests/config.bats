#!/usr/bin/env bats
# Configuration: -f files, -o overrides, listeners, client key selection.
# Each test starts its own rshd.

bats_require_minimum_version 1.5.0
load helpers

teardown() {
	rsh_teardown
}

@test "-f CONFIG sets options, with blanks and comments, and -o overrides it" {
	local d=$BATS_TEST_TMPDIR/srv
	mkdir -p "$d"
	printf '%s\n' '# names this server answers to' \
	    'ServerName only.example   # not 127.0.0.1' \
	    'DrainGrace 300ms ' >"$d/rshd.conf"
	start_rshd "$d" -f "$d/rshd.conf"
	run -255 --separate-stderr rsh_cmd -q -n 127.0.0.1 true
	assert_equal "$stderr" \
	    "rsh: server 127.0.0.1:$RSHD_PORT does not answer to the name '127.0.0.1'"
	stop_test_rshds
	start_rshd "$d" -f "$d/rshd.conf" -o ServerName=127.0.0.1
	run -0 rsh_cmd -n 127.0.0.1 echo ok
	assert_output ok
}

@test "an unknown keyword in the config file stops rshd, naming the line" {
	local d=$BATS_TEST_TMPDIR/srv
	make_keys "$d"
	printf 'AuthTimeout 5s\nBogus 1\n' >"$d/rshd.conf"
	run -1 "$RSHD" -f none -D -p 0 -l 127.0.0.1 -k "$d/keys" -f "$d/rshd.conf"
	assert_output "rshd: $d/rshd.conf:2: unknown keyword 'Bogus'"
}

@test "rshd -t refuses a config file of NULs or a FIFO, naming it, without hanging" {
	local d=$BATS_TEST_TMPDIR/srv
	make_keys "$d"
	printf 'Port 2222\n' >"$d/rshd.conf"
	head -c 4096 /dev/zero >>"$d/rshd.conf"
	run -1 "$RSHD" -f none -t -k "$d/keys" -f "$d/rshd.conf"
	assert_output "rshd: $d/rshd.conf:2: line holds a NUL byte"
	mkfifo "$d/fifo.conf"
	run -1 timeout "$(scaled 10)" "$RSHD" -f none -t -k "$d/keys" -f "$d/fifo.conf"
	assert_output "rshd: config file $d/fifo.conf is not a regular file; refusing it"
}

@test "a bad -o value stops rshd and says what is allowed" {
	local d=$BATS_TEST_TMPDIR/srv
	make_keys "$d"
	run -1 "$RSHD" -f none -D -p 0 -l 127.0.0.1 -k "$d/keys" -o DrainGrace=soon
	assert_output --partial "DrainGrace: 'soon' is not a valid value"
}

@test "rshd serves IPv4 and IPv6 on one port when given both" {
	[ -r /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6 ||
	    skip "no IPv6 loopback here"
	start_rshd "$BATS_TEST_TMPDIR/srv" -l ::1
	run -0 rsh_cmd -n 127.0.0.1 echo v4
	assert_output v4
	run -0 "$RSH" -k "$RSH_KEYFILE" -n "[::1]:$RSHD_PORT" echo v6
	assert_output v6
}

@test "the client uses the first key line whose host patterns match" {
	local d=$BATS_TEST_TMPDIR/srv other
	start_rshd "$d"
	other=$("$RSH" --keygen other)
	(umask 077 && {
		echo "$other *.example"
		echo "$(cat "$d/key") 127.0.0.*"
		echo "$other"
	} >"$d/multi")
	run -0 "$RSH" -k "$d/multi" -p "$RSHD_PORT" -n 127.0.0.1 echo picked
	assert_output picked
	(umask 077 && {
		echo "$other 127.0.0.*"
		cat "$d/key"
	} >"$d/multi2")
	run -255 --separate-stderr "$RSH" -q -k "$d/multi2" -p "$RSHD_PORT" -n \
	    127.0.0.1 true
	assert_equal "$stderr" \
	    "rsh: 127.0.0.1:$RSHD_PORT: authentication failed for key 'other'"
}

@test "a client key file with no line for the host says so" {
	local d=$BATS_TEST_TMPDIR/srv
	start_rshd "$d"
	(umask 077 && echo "$(cat "$d/key") *.example" >"$d/scoped")
	run -255 --separate-stderr "$RSH" -k "$d/scoped" -p "$RSHD_PORT" -n \
	    127.0.0.1 true
	assert_equal "$stderr" "rsh: no key for 127.0.0.1 in $d/scoped"
}

@test "connections beyond MaxConnections are refused as busy" {
	local m pid
	m=$(unique_marker)
	start_rshd "$BATS_TEST_TMPDIR/srv" -o MaxConnections=1
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "sleep 30; : $m" >/dev/null 2>&1 3>&- &
	pid=$!
	wait_remote "$m" >/dev/null
	run -255 --separate-stderr rsh_cmd -n 127.0.0.1 true
	assert_equal "$stderr" "rsh: 127.0.0.1:$RSHD_PORT refused the connection: busy: too many connections"
	kill "$pid"
	wait "$pid" || true
}
