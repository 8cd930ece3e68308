#!/usr/bin/env bats
# Who may run what, as whom, from where: the keys' options, the command's
# environment and limits.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	if [ -f "$BATS_TEST_TMPDIR/sudoers" ]; then
		rm -f "$(cat "$BATS_TEST_TMPDIR/sudoers")"
	fi
	if [ -f "$BATS_TEST_TMPDIR/account" ]; then
		userdel "$(cat "$BATS_TEST_TMPDIR/account")" 2>/dev/null || true
	fi
	rsh_teardown
}

# test_account [SHELL]: a throwaway account (root only); prints its name.
test_account() {
	local name="rsht$$$RANDOM"
	useradd --no-create-home --home-dir /tmp --shell "${1:-/bin/sh}" \
	    "$name" >/dev/null 2>&1 || return 1
	echo "$name" >"$BATS_TEST_TMPDIR/account"
	echo "$name"
}

@test "a key with a bad option is skipped and named; the others work" {
	local d=$BATS_TEST_TMPDIR/srv good
	make_keys "$d"
	good=$("$RSH" --keygen good)
	sed -i '1s/$/ user=x,bogus=1/' "$d/keys"
	(umask 077 && echo "$good" >>"$d/keys" && echo "$good" >"$d/goodkey")
	start_rshd "$d"
	run -255 rsh_cmd -n 127.0.0.1 true
	assert_output --partial "authentication failed"
	grep -q "keys file $d/keys, line 1: key 'test': unknown option 'bogus'; the key is skipped" \
	    "$d/rshd.log" || fail "no log line naming file, line and option"
	run -0 "$RSH" -k "$d/goodkey" -p "$RSHD_PORT" -n 127.0.0.1 echo fine
	assert_output fine
}

@test "from= admits its networks only (IPv4)" {
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'from="127.0.0.0/8"'
	run -0 rsh_cmd -n 127.0.0.1 echo in
	assert_output in
	keyed_rshd "$BATS_TEST_TMPDIR/b" 'from="10.0.0.0/8,192.0.2.1"'
	run -255 rsh_cmd -n 127.0.0.1 echo in
	assert_output --partial "may not be used from this address"
	grep -q "may not be used from this address (from=)" \
	    "$BATS_TEST_TMPDIR/b/rshd.log"
}

@test "from= admits its networks only (IPv6)" {
	[ -r /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6 ||
	    skip "no IPv6 loopback here"
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'from="::1/128"' -l ::1
	run -0 "$RSH" -k "$RSH_KEYFILE" -n "[::1]:$RSHD_PORT" echo v6
	assert_output v6
	run -255 rsh_cmd -n 127.0.0.1 echo v4
	assert_output --partial "may not be used from this address"
	keyed_rshd "$BATS_TEST_TMPDIR/b" 'from=2001:db8::/32' -l ::1
	run -255 "$RSH" -k "$RSH_KEYFILE" -n "[::1]:$RSHD_PORT" echo v6
	assert_output --partial "may not be used from this address"
}

@test "from= and no-udp keys are refused over UDP, by name" {
	RSHD_NO_UDP= keyed_rshd "$BATS_TEST_TMPDIR/a" 'from=127.0.0.1'
	run -255 rsh_cmd -u -n 127.0.0.1 echo no
	assert_output --partial "key 'test' may not be used over UDP"
	RSHD_NO_UDP= keyed_rshd "$BATS_TEST_TMPDIR/b" 'no-udp'
	run -255 rsh_cmd -u -n 127.0.0.1 echo no
	assert_output --partial "may not be used over UDP"
	run -0 rsh_cmd -n 127.0.0.1 echo tcp
}

@test "command= runs the forced command with the client's in RSH_ORIGINAL_COMMAND" {
	keyed_rshd "$BATS_TEST_TMPDIR/a" \
	    'command="echo forced: \"$RSH_ORIGINAL_COMMAND\""'
	run -0 rsh_cmd -n 127.0.0.1 rm -rf /nothing
	assert_output 'forced: rm -rf /nothing'
	run -0 rsh_cmd -n -x 127.0.0.1 ls 'a b'
	assert_output 'forced: ls a b'
}

@test "no-new-privs: the key's commands can gain no privilege; other keys' can" {
	keyed_rshd "$BATS_TEST_TMPDIR/a" no-new-privs
	run -0 rsh_cmd -n 127.0.0.1 'grep ^NoNewPrivs: /proc/self/status'
	assert_output --regexp $'^NoNewPrivs:\t1$'
	stop_test_rshds
	keyed_rshd "$BATS_TEST_TMPDIR/b" ''
	run -0 rsh_cmd -n 127.0.0.1 'grep ^NoNewPrivs: /proc/self/status'
	assert_output --regexp $'^NoNewPrivs:\t0$'
}

@test "no-new-privs: sudo fails under it and works without it (root only)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make an account"
	command -v sudo >/dev/null || skip "sudo is not installed"
	local acct
	acct=$(test_account /bin/sh) || fail "useradd failed"
	printf '%s ALL=(ALL) NOPASSWD: ALL\n' "$acct" \
	    >"/etc/sudoers.d/$acct"
	echo "/etc/sudoers.d/$acct" >"$BATS_TEST_TMPDIR/sudoers"
	keyed_rshd "$BATS_TEST_TMPDIR/a" "user=$acct"
	run -0 rsh_cmd -n 127.0.0.1 'sudo -n id -u'
	assert_output 0
	stop_test_rshds
	keyed_rshd "$BATS_TEST_TMPDIR/b" "user=$acct,no-new-privs"
	run rsh_cmd -n 127.0.0.1 'sudo -n id -u'
	[ "$status" -ne 0 ]
	refute_output 0
}

@test "allow= runs what matches and denies the rest, naming it" {
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'allow="echo *|true"'
	run -0 rsh_cmd -n 127.0.0.1 echo allowed
	assert_output allowed
	run -0 rsh_cmd -n -x 127.0.0.1 true
	run -255 rsh_cmd -n 127.0.0.1 'cat /etc/hostname'
	assert_output --partial "denied: key 'test' may not run 'cat /etc/hostname' (its allow= option)"
}

@test "ENV: only names AcceptEnv or env= accept; the rest denied by name" {
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'env=TZ' -o AcceptEnv=LC_*
	run -0 probe exec-env TZ=UTC0 'echo "tz=$TZ"' read
	assert_line 'STDOUT tz=UTC0\n'
	run -0 probe exec-env LC_ALL=C 'echo "lc=$LC_ALL"' read
	assert_line 'STDOUT lc=C\n'
	run -0 probe exec-env LANG=C 'echo "lang=$LANG"' read
	assert_line --partial "ERROR 2 environment variable LANG is not accepted for key 'test'"
	assert_line 'EXIT 2 255'
	run -0 probe exec-env LD_PRELOAD=/x.so 'true' read
	assert_line --partial "ERROR 2 environment variable LD_PRELOAD is never accepted"
	run -0 probe exec-env RSH_KEYID=forged 'true' read
	assert_line --partial "is never accepted"
}

@test "the environment is built from scratch, with RSH_CLIENT and RSH_KEYID" {
	local names
	run -0 rsh_cmd -n -x 127.0.0.1 env
	names=$(echo "$output" | cut -d= -f1 | sort | tr '\n' ' ')
	[ "$names" = "HOME LOGNAME PATH RSH_CLIENT RSH_KEYID SHELL USER " ] ||
	    fail "environment: $names"
	assert_line 'RSH_KEYID=test'
	assert_line --regexp '^RSH_CLIENT=127\.0\.0\.1 [0-9]+$'
	start_rshd "$BATS_TEST_TMPDIR/p" -o Path=/bin
	run -0 rsh_cmd -n -x 127.0.0.1 sh -c 'echo "$PATH"'
	assert_output /bin
}

@test "resource limits from the configuration apply to the command" {
	start_rshd "$BATS_TEST_TMPDIR/a" -o LimitNOFILE=64 -o LimitCPU=7s \
	    -o LimitAS=2g
	run -0 rsh_cmd -n -x 127.0.0.1 sh -c 'ulimit -n; ulimit -t; ulimit -v'
	assert_output "$(printf '64\n7\n%s' $((2 * 1024 * 1024)))"
}

@test "max-sessions: one connection too many is told so" {
	local m
	m=$(unique_marker)
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'max-sessions=1'
	probe -t 10000 exec-sh "sleep 30; : $m" read >/dev/null 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/probe.pid"
	wait_remote "$m" >/dev/null
	run -255 rsh_cmd -n 127.0.0.1 echo second
	assert_output --partial "key 'test' has all its 1 sessions in use"
	kill "$(cat "$BATS_TEST_TMPDIR/probe.pid")"
	wait_until "! marked_alive '$m'" 10
	run -0 rsh_cmd -n 127.0.0.1 echo again
	assert_output again
}

@test "max-sessions: a connection over the limit is closed at once, not held" {
	local m t0
	m=$(unique_marker)
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'max-sessions=1'
	probe -t 10000 exec-sh "sleep 30; : $m" read >/dev/null 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/probe.pid"
	wait_remote "$m" >/dev/null
	# Its EXEC is answered BUSY, then the connection ends.
	run -0 probe -t 10000 exec-sh 'echo no' read read
	assert_line --regexp "^ERROR 4 key 'test' has all its 1 sessions in use"
	assert_line 'EXIT 2 255'
	assert_line EOF
	# One that sends nothing holds no slot until IdleTimeout: closed
	# within a second.
	t0=$(now_ms)
	run -0 probe -t 10000 s2 read
	assert_line 'S2 0'
	assert_line EOF
	[ $(($(now_ms) - t0)) -lt "$(scaled 5000)" ] ||
	    fail "held for $(($(now_ms) - t0)) ms"
	grep -q "key 'test' has all its 1 sessions in use (max-sessions); closing" \
	    "$RSHD_DIR/rshd.log"
	kill "$(cat "$BATS_TEST_TMPDIR/probe.pid")"
	wait_until "! marked_alive '$m'" 10
}

@test "user= runs the command as that account (root only)" {
	local acct
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch accounts"
	acct=$(test_account) || skip "cannot create an account here"
	keyed_rshd "$BATS_TEST_TMPDIR/a" "user=$acct" -o PermitRootCommands=no
	run -0 rsh_cmd -n 127.0.0.1 'id -un; echo "$USER $LOGNAME $HOME"'
	assert_output "$(printf '%s\n%s %s /tmp' "$acct" "$acct" "$acct")"
}

@test "as root, a key without user= is refused unless PermitRootCommands (root only)" {
	local d=$BATS_TEST_TMPDIR/a
	[ "$(id -u)" -eq 0 ] || skip "the rule is for rshd running as root"
	make_keys "$d"
	run -1 timeout "$(scaled 5)" "$RSHD" -f none -D -p 0 --port-file "$d/port" -l 127.0.0.1 \
	    --no-udp -k "$d/keys"
	assert_output --partial "key 'test': it has no user= option and rshd runs as root"
	assert_output --partial "holds no usable key"
}

@test "an account whose shell is nologin gets DENIED for shell commands, -x runs (root only)" {
	local acct
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch accounts"
	[ -x /usr/sbin/nologin ] || skip "no /usr/sbin/nologin"
	acct=$(test_account /usr/sbin/nologin) || skip "cannot create an account"
	keyed_rshd "$BATS_TEST_TMPDIR/a" "user=$acct"
	grep -q "whose shell /usr/sbin/nologin refuses commands" \
	    "$BATS_TEST_TMPDIR/a/rshd.log"
	run -255 rsh_cmd -n 127.0.0.1 'id -un'
	assert_output --partial "account $acct has no shell for commands"
	run -0 rsh_cmd -n -x 127.0.0.1 id -un
	assert_output "$acct"
}

@test "rshd -t checks the settings and keys: 0 when in order, 1 naming what is not" {
	local d=$BATS_TEST_TMPDIR/t
	make_keys "$d"
	run -0 "$RSHD" -f none -t -k "$d/keys" -o PermitRootCommands=yes
	assert_output --partial "are in order: 1 key"
	refute_output --partial "1 keys"
	# Every key counted, as the word wants.
	"$RSH" --keygen second >>"$d/keys"
	run -0 "$RSHD" -f none -t -k "$d/keys" -o PermitRootCommands=yes
	assert_output --partial "are in order: 2 keys"
	head -n 1 "$d/keys" >"$d/keys.one" && mv "$d/keys.one" "$d/keys"
	chmod 600 "$d/keys"
	printf '%s allow="x|y",max-sessions=0\n' "$("$RSH" --keygen two)" \
	    >>"$d/keys"
	run -1 "$RSHD" -f none -t -k "$d/keys" -o PermitRootCommands=yes
	assert_output --partial "line 2: key 'two': option 'max-sessions': '0' is not a number"
	run -1 "$RSHD" -f none -t -k "$d/keys" -o NoSuchKeyword=1
	assert_output --partial "unknown keyword 'NoSuchKeyword'"
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
