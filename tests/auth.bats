#!/usr/bin/env bats
# Keys, key files and server names.

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

# client_key FILE KEYID: a fresh client key file the server does not hold.
client_key() {
	(umask 077 && "$RSH" --keygen "$2" >"$1")
}

@test "a wrong key fails with exit 255 and 'authentication failed'" {
	local d=$BATS_TEST_TMPDIR
	client_key "$d/wrong" test
	run -255 "$RSH" -k "$d/wrong" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "touch $d/ran"
	assert_line --index 0 "rsh: 127.0.0.1:$RSHD_PORT: authentication failed for key 'test'"
	# Then what to do about it, once; -q leaves the error alone.
	assert_line --index 1 --partial "rsh: hint: the server's log says why"
	[ "${#lines[@]}" -eq 2 ]
	[ ! -e "$d/ran" ]
	run -255 "$RSH" -q -k "$d/wrong" -p "$RSHD_PORT" -n 127.0.0.1 true
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: authentication failed for key 'test'"
}

@test "an unknown key id fails exactly like a wrong key" {
	local d=$BATS_TEST_TMPDIR wrong
	client_key "$d/wrong" test
	client_key "$d/unknown" nobody
	run -255 "$RSH" -k "$d/wrong" -p "$RSHD_PORT" -n 127.0.0.1 true
	wrong=$output
	run -255 "$RSH" -k "$d/unknown" -p "$RSHD_PORT" -n 127.0.0.1 true
	assert_output "${wrong//\'test\'/\'nobody\'}"
}

@test "the server answers an unknown key id and a wrong key alike" {
	local d=$BATS_TEST_TMPDIR
	client_key "$d/wrong" test
	run -0 "$RSHPROBE" -k "$d/wrong" 127.0.0.1 "$RSHD_PORT" \
	    exec-sh true read
	assert_output "$(printf 'S1\nS2 1\nEOF')"
	run -0 probe -i nobody exec-sh true read
	assert_output "$(printf 'S1\nS2 1\nEOF')"
}

@test "the right key with the protocol client gets S2 0 and runs the command" {
	run -0 probe exec-sh 'echo ok' read
	assert_output "$(printf 'S1\nS2 0\nSTARTED\nSTDOUT ok\\n\nEXIT 0 0')"
}

# refused_mode MODE WHAT: a client key file of MODE is refused, naming WHAT.
refused_mode() {
	local d=$BATS_TEST_TMPDIR f=$BATS_TEST_TMPDIR/key-$1
	cp "$RSH_KEYFILE" "$f"
	chmod "$1" "$f"
	run -255 rsh_cmd_key "$f" "touch $d/ran"
	assert_output "rsh: key file $f is $2; refusing it"
	[ ! -e "$d/ran" ]
}

rsh_cmd_key() {
	"$RSH" -k "$1" -p "$RSHD_PORT" -n 127.0.0.1 "$2"
}

@test "a client key file readable by group is refused with exit 255" {
	refused_mode 0640 "readable by group"
}

@test "a client key file readable by others is refused with exit 255" {
	refused_mode 0604 "readable by others"
}

@test "a client key file writable by group or others is refused" {
	refused_mode 0620 "writable by group"
	refused_mode 0602 "writable by others"
}

@test "a client key file of mode 0644 is refused and nothing runs" {
	local d=$BATS_TEST_TMPDIR f=$BATS_TEST_TMPDIR/key644
	cp "$RSH_KEYFILE" "$f"
	chmod 0644 "$f"
	run -255 rsh_cmd_key "$f" "touch $d/ran"
	assert_output --regexp "^rsh: key file $f is .* by .*; refusing it$"
	[ ! -e "$d/ran" ]
}

@test "the key file comes from \$RSH_KEY when -k is not given" {
	run -0 env RSH_KEY="$RSH_KEYFILE" "$RSH" -p "$RSHD_PORT" -n \
	    127.0.0.1 echo via-env
	assert_output via-env
}

@test "rshd refuses a keys file readable by others and exits 1" {
	local d=$BATS_TEST_TMPDIR
	cp "$RSHD_DIR/keys" "$d/keys"
	chmod 0644 "$d/keys"
	run -1 timeout "$(scaled 5)" "$RSHD" -f none -D -p 0 --port-file "$d/port" \
	    -l 127.0.0.1 --no-udp -k "$d/keys"
	assert_output --regexp \
	    "rshd: keys file $d/keys is (readable|writable) by .*; refusing it"
	[ ! -e "$d/port" ]
}

@test "rshd refuses a keys file writable by group and exits 1" {
	local d=$BATS_TEST_TMPDIR
	cp "$RSHD_DIR/keys" "$d/keys"
	chmod 0620 "$d/keys"
	run -1 timeout "$(scaled 5)" "$RSHD" -f none -D -p 0 --port-file "$d/port" \
	    -l 127.0.0.1 --no-udp -k "$d/keys"
	assert_output --partial \
	    "rshd: keys file $d/keys is writable by group; refusing it"
	[ ! -e "$d/port" ]
}

@test "a server that does not answer to the name refuses with exit 255" {
	local d=$BATS_TEST_TMPDIR
	start_rshd "$d/srv" -o ServerName=other.example
	run -255 rsh_cmd -n 127.0.0.1 "touch $d/ran"
	assert_line --index 0 \
	    "rsh: server 127.0.0.1:$RSHD_PORT does not answer to the name '127.0.0.1'"
	assert_line --index 1 --partial "rsh: hint: rsh presents the host as typed; set ServerName"
	[ ! -e "$d/ran" ]
	run -0 probe read
	assert_output "$(printf 'S1\nS2 3\nEOF')"
}

@test "a wrong key to a server with other names says authentication failed" {
	local d=$BATS_TEST_TMPDIR
	start_rshd "$d/srv" -o ServerName=other.example
	client_key "$d/wrong" test
	run -255 "$RSH" -q -k "$d/wrong" -p "$RSHD_PORT" -n 127.0.0.1 true
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: authentication failed for key 'test'"
}

@test "ServerName=* accepts any name" {
	start_rshd "$BATS_TEST_TMPDIR/srv" -o 'ServerName=*'
	run -0 rsh_cmd -n 127.0.0.1 echo ok
	assert_output ok
	run -0 probe -n any.name.example exec-sh 'echo ok' read
	assert_line 'S2 0'
	assert_line 'STDOUT ok\n'
}

@test "a list of server names accepts each name and no other" {
	start_rshd "$BATS_TEST_TMPDIR/srv" -o ServerName=other.example,127.0.0.1
	run -0 rsh_cmd -n 127.0.0.1 echo ok
	assert_output ok
	run -0 probe -n other.example exec-sh 'echo ok' read
	assert_line 'STDOUT ok\n'
	run -0 probe -n third.example read
	assert_output "$(printf 'S1\nS2 3\nEOF')"
}

@test "by default the server answers to its address and localhost only" {
	run -0 rsh_cmd -n localhost echo ok
	assert_output ok
	run -0 rsh_cmd -n LOCALHOST echo canonical
	assert_output canonical
	run -0 probe -n not-this-server.example read
	assert_output "$(printf 'S1\nS2 3\nEOF')"
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
