#!/usr/bin/env bats
# Fleet keys (issue 21): one client key, a key of its own on every server.
# Two rshd on loopback stand for two hosts, alpha (127.0.0.2) and beta
# (127.0.0.3): each answers to its address (its server name) and holds
# only the line `rsh --derive` prints for that name, never the fleet key.
# The client holds only the fleet key.  --derive is checked against the
# vectors (tests/vectors/fleet-v1.json).

bats_require_minimum_version 1.5.0
load helpers

RSHD_NO_UDP=

setup_file() {
	local f=$BATS_FILE_TMPDIR
	export HOME=$f/home
	mkdir -p "$HOME"
	"$RSH" --keygen ops --fleet -o "$f/fleet" || return 1
	for h in alpha:127.0.0.2 beta:127.0.0.3; do
		mkdir -p "$f/${h%%:*}"
		(umask 077 && "$RSH" --derive -k "$f/fleet" "${h#*:}" \
		    >"$f/${h%%:*}/keys") || return 1
		RSHD_LISTEN=${h#*:} start_rshd "$f/${h%%:*}" || return 1
		echo "$RSHD_PORT" >"$f/${h%%:*}.port"
	done
	export FLEET=$f/fleet PA=$(cat "$f/alpha.port") PB=$(cat "$f/beta.port")
	export ALPHA_PID=$(cat "$f/alpha/rshd.pid")
	export BETA_PID=$(cat "$f/beta/rshd.pid")
}

teardown_file() {
	local rc=0
	stop_rshd "$ALPHA_PID" || rc=1
	stop_rshd "$BETA_PID" || rc=1
	if grep -qE 'Sanitizer|runtime error:' "$BATS_FILE_TMPDIR"/*/rshd.log; then
		rc=1
	fi
	return "$rc"
}

setup() {
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
}

teardown() {
	local f pid
	for f in "$XDG_RUNTIME_DIR"/rsh/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || true
		wait_until "! proc_alive $pid" 10 || kill -KILL "$pid" || true
	done
	rsh_teardown
}

# fleet ARG...: rsh with the fleet key and no config file.
fleet() {
	"$RSH" -F none -k "$FLEET" "$@"
}

# vec PATH: a value of the vectors file (python3's json).
vec() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("/"):
    v = v[int(k)] if k.isdigit() else v[k]
print(v)' "$BATS_TEST_DIRNAME/vectors/fleet-v1.json" "$1"
}

# keys_file FILE: standard input into FILE, mode 0600.
keys_file() {
	(umask 077 && cat >"$1")
}

@test "--keygen --fleet writes a fleet key line to a new file of mode 0600" {
	run -0 "$RSH" --keygen ops --fleet -o "$BATS_TEST_TMPDIR/k"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/k")" = 600 ]
	run -0 cat "$BATS_TEST_TMPDIR/k"
	assert_output --regexp '^ops fleet:[A-Za-z0-9+/]{43}=$'
	run -255 "$RSH" --fleet
	assert_output --partial "rsh: --fleet goes with --keygen KEYID"
}

@test "--derive prints each name's line as the vectors say, in canonical form" {
	local k=$BATS_TEST_TMPDIR/vkey i want=()
	keys_file "$k" <<<"$(vec keyid) fleet:$(vec fleet_key_base64)"
	for i in 0 1 2 3; do
		want+=("$(vec keyid) $(vec servers/$i/key_base64) name=$(vec servers/$i/name)")
	done
	run -0 "$RSH" -F none --derive -k "$k" "$(vec servers/0/typed)" \
	    "$(vec servers/1/typed)" "$(vec servers/2/typed)" \
	    "$(vec servers/3/typed)"
	assert_equal "${#lines[@]}" 4
	for i in 0 1 2 3; do
		assert_line --index "$i" "${want[$i]}"
	done
	# The IPv6 vector: the address as the client presents it.
	assert_line --index 2 --partial " name=2001:db8::17"
}

@test "--derive refuses a key line that is not a fleet key, and names missing" {
	local k=$BATS_TEST_TMPDIR/plain
	"$RSH" --keygen plain -o "$k"
	run -255 "$RSH" -F none --derive -k "$k" x
	assert_output "rsh: the key for x in $k (key id plain) is not a fleet key; make one with rsh --keygen KEYID --fleet"
	run -255 "$RSH" -F none --derive -k "$FLEET" 'not a name'
	assert_output --partial "is not a host name or address"
	run -255 "$RSH" -F none --derive
	assert_output --partial "usage: rsh --derive"
}

@test "a fleet key runs commands on servers that hold only their derived lines, over TCP" {
	run -0 fleet -p "$PA" 127.0.0.2 'echo on alpha'
	assert_output "on alpha"
	run -0 fleet -p "$PB" 127.0.0.3 'echo on beta'
	assert_output "on beta"
	# Neither server holds the fleet key, and their keys differ.
	! grep -q "${FLEET_B64:=$(cut -d: -f2 "$FLEET")}" "$BATS_FILE_TMPDIR"/*/keys
	[ "$(cut -d' ' -f2 "$BATS_FILE_TMPDIR/alpha/keys")" != \
	    "$(cut -d' ' -f2 "$BATS_FILE_TMPDIR/beta/keys")" ]
}

@test "a fleet key runs commands over UDP" {
	run -0 fleet -u -n -p "$PA" 127.0.0.2 'echo udp alpha'
	assert_output "udp alpha"
	run -0 fleet -u -n -p "$PB" 127.0.0.3 'echo udp beta'
	assert_output "udp beta"
}

@test "a fleet key runs commands through a master" {
	run -0 fleet -p "$PA" -M 127.0.0.2
	run -0 fleet -p "$PA" -O check 127.0.0.2
	run -0 fleet -p "$PA" 127.0.0.2 'echo via master'
	assert_output "via master"
	run -0 fleet -p "$PA" -O exit 127.0.0.2
}

@test "a fleet key runs a command on several servers with -w, one key each" {
	run -0 --separate-stderr fleet -w "127.0.0.2:$PA,127.0.0.3:$PB" \
	    'echo ok'
	assert_line "127.0.0.2:$PA: ok"
	assert_line "127.0.0.3:$PB: ok"
	assert_equal "${#lines[@]}" 2
}

@test "rcp copies with a fleet key, each server with its derived key" {
	local d=$BATS_TEST_TMPDIR
	echo fleet-file >"$d/src"
	run -0 "$RSH_BUILD/rcp" -F none -k "$FLEET" -P "$PA" "$d/src" \
	    "127.0.0.2:$d/on-alpha"
	run -0 "$RSH_BUILD/rcp" -F none -k "$FLEET" -P "$PB" \
	    "127.0.0.3:$d/on-alpha" "$d/back"
	run -0 cat "$d/back"
	assert_output fleet-file
}

@test "a server given another's derived line, answering to that name, fails the client asking for its own" {
	local d=$BATS_TEST_TMPDIR
	# beta's server holding alpha's line and answering to alpha.
	mkdir -p "$d/evil"
	cp "$BATS_FILE_TMPDIR/alpha/keys" "$d/evil/keys"
	RSHD_LISTEN=127.0.0.3 start_rshd "$d/evil" -o ServerName=127.0.0.2
	run -255 fleet -n -p "$RSHD_PORT" 127.0.0.3 true
	assert_output --partial "authentication failed"
	# The reverse: alpha's server holding beta's line, answering to beta.
	mkdir -p "$d/evil2"
	cp "$BATS_FILE_TMPDIR/beta/keys" "$d/evil2/keys"
	RSHD_LISTEN=127.0.0.2 start_rshd "$d/evil2" -o ServerName=127.0.0.3
	run -255 fleet -n -p "$RSHD_PORT" 127.0.0.2 true
	assert_output --partial "authentication failed"
}

@test "a server holding one server's key cannot pose as another name, with or without name=" {
	local d=$BATS_TEST_TMPDIR kb
	kb=$(cut -d' ' -f2 "$BATS_FILE_TMPDIR/beta/keys")
	# beta's key relabelled as alpha's, and with no name at all.
	mkdir -p "$d/relabel" "$d/bare"
	keys_file "$d/relabel/keys" <<<"ops $kb name=127.0.0.2"
	keys_file "$d/bare/keys" <<<"ops $kb"
	RSHD_LISTEN=127.0.0.3 start_rshd "$d/relabel" -o 'ServerName=*'
	run -255 fleet -n -p "$RSHD_PORT" -o ServerName=127.0.0.2 127.0.0.3 true
	assert_output --partial "authentication failed"
	RSHD_LISTEN=127.0.0.3 start_rshd "$d/bare" -o 'ServerName=*'
	run -255 fleet -n -p "$RSHD_PORT" -o ServerName=127.0.0.2 127.0.0.3 true
	assert_output --partial "authentication failed"
	# The same server is beta to a client that asks for beta.
	run -0 fleet -n -p "$RSHD_PORT" 127.0.0.3 'echo beta'
	assert_output "beta"
}

@test "a name= line serves its name only, even where the server accepts any name" {
	local d=$BATS_TEST_TMPDIR line
	mkdir -p "$d/srv"
	line=$("$RSH" --keygen ops)
	keys_file "$d/srv/keys" <<<"$line name=web17.example.com"
	keys_file "$d/key" <<<"$line"
	start_rshd "$d/srv" -o 'ServerName=*'
	run -0 "$RSH" -F none -k "$d/key" -p "$RSHD_PORT" -n \
	    -o ServerName=WEB17.example.com. 127.0.0.1 'echo named'
	assert_output "named"
	run -255 "$RSH" -F none -k "$d/key" -p "$RSHD_PORT" -n \
	    -o ServerName=web18.example.com 127.0.0.1 true
	assert_output --partial "authentication failed"
	run -255 "$RSH" -F none -k "$d/key" -p "$RSHD_PORT" -n 127.0.0.1 true
	assert_output --partial "authentication failed"
}

@test "rshd -t takes one key id under several names and refuses a repeated id and name, naming both lines" {
	local k=$BATS_TEST_TMPDIR/keys a b
	a=$("$RSH" --keygen ops | cut -d' ' -f2)
	b=$("$RSH" --keygen ops | cut -d' ' -f2)
	keys_file "$k" <<-EOF
		ops $a name=alpha
		ops $b name=beta
	EOF
	run -0 "$RSHD" -t -f none -k "$k" -o PermitRootCommands=yes
	keys_file "$k.2" <<-EOF
		ops $a name=alpha
		# beta's
		ops $b user=root,name=alpha
	EOF
	run -1 "$RSHD" -t -f none -k "$k.2" -o PermitRootCommands=yes
	assert_output --partial "$k.2:3: key id ops for name alpha is already on line 1"
	keys_file "$k.3" <<-EOF
		ops $a
		ops $b name=beta
	EOF
	run -1 "$RSHD" -t -f none -k "$k.3" -o PermitRootCommands=yes
	assert_output --partial "$k.3:2: key id ops is already on line 1 (a line without name= serves every name)"
}

@test "a fleet key is refused in a server's keys file, and readable by others on a client" {
	local d=$BATS_TEST_TMPDIR
	keys_file "$d/keys" <"$FLEET"
	run -1 "$RSHD" -t -f none -k "$d/keys" -o PermitRootCommands=yes
	assert_output --partial "$d/keys:1: key id ops is a fleet key, which belongs in a client's key file only"
	cp "$FLEET" "$d/open"
	chmod 644 "$d/open"
	run -255 "$RSH" -F none -k "$d/open" -p "$PA" -n 127.0.0.2 true
	assert_output --partial "rsh: key file $d/open is readable by others; refusing it"
	run -255 "$RSH" -F none --derive -k "$d/open" alpha
	assert_output --partial "rsh: key file $d/open is readable by others; refusing it"
}
