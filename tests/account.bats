#!/usr/bin/env bats
# Choosing the account: a key may name several (user="a,b"); rsh -l NAME
# or User in the client configuration picks one per command, the first
# by default; any other is DENIED, naming key and account, and nothing
# runs.  Over TCP and UDP, through a master and with -w.  Root only: the
# file makes two throwaway accounts and removes them at the end.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make accounts (useradd)"
	local d=$BATS_FILE_TMPDIR/srv
	# Homes that exist and differ, so HOME shows which account ran.
	A=rshta$$ B=rshtb$$
	useradd --no-create-home --home-dir /tmp --shell /bin/sh "$A" ||
	    return 1
	echo "$A" >"$BATS_FILE_TMPDIR/accounts"
	useradd --no-create-home --home-dir /var/tmp --shell /bin/sh "$B" ||
	    return 1
	echo "$B" >>"$BATS_FILE_TMPDIR/accounts"
	export A B
	make_keys "$d" || return 1
	printf '%s user="%s,%s"\n' "$(cat "$d/keys")" "$A" "$B" \
	    >"$d/keys.new" && mv "$d/keys.new" "$d/keys" &&
	    chmod 600 "$d/keys" || return 1
	RSHD_NO_UDP= rsh_setup_file -l 127.0.0.2 -o "AuditLog=$d/audit.log"
}

teardown_file() {
	local rc=0 a
	if [ -n "${RSHD_DIR:-}" ]; then
		rsh_teardown_file || rc=$?
	fi
	if [ -f "$BATS_FILE_TMPDIR/accounts" ]; then
		while read -r a; do
			userdel "$a" 2>/dev/null || true
		done <"$BATS_FILE_TMPDIR/accounts"
	fi
	return "$rc"
}

setup() {
	# Every test its own master socket directory.
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$BATS_TEST_TMPDIR/san
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$BATS_TEST_TMPDIR/san
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
	if ls "$BATS_TEST_TMPDIR"/san.* >/dev/null 2>&1; then
		cat "$BATS_TEST_TMPDIR"/san.*
		return 1
	fi
}

# config TEXT: a client configuration file holding TEXT; prints its path.
config() {
	printf '%s\n' "$1" >"$BATS_TEST_TMPDIR/config"
	echo "$BATS_TEST_TMPDIR/config"
}

@test "without -l a command runs as the key's first account, with its USER, LOGNAME and HOME" {
	run -0 rsh_cmd -n 127.0.0.1 'id -un; echo "$USER $LOGNAME $HOME"'
	assert_output "$(printf '%s\n%s %s /tmp' "$A" "$A" "$A")"
}

@test "-l picks another of the key's accounts, with its USER, LOGNAME and HOME" {
	run -0 rsh_cmd -n -l "$B" 127.0.0.1 'id -un; echo "$USER $LOGNAME $HOME"'
	assert_output "$(printf '%s\n%s %s /var/tmp' "$B" "$B" "$B")"
	run -0 rsh_cmd -n -x -l "$A" 127.0.0.1 id -un
	assert_output "$A"
}

@test "an account the key does not name is denied, naming key and account, and nothing runs" {
	local m=$BATS_TEST_TMPDIR/ran
	run -255 rsh_cmd -n -l root 127.0.0.1 "touch $m"
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: denied: key 'test' may not run commands as 'root' (its user= option names: $A, $B)"
	run -255 rsh_cmd -n -l nosuchaccount 127.0.0.1 "touch $m"
	assert_output --partial "key 'test' may not run commands as 'nosuchaccount'"
	[ ! -e "$m" ] || fail "the command ran"
	grep -q "refused: key 'test' may not run commands as 'root'" \
	    "$RSHD_DIR/rshd.log" || fail "not in rshd's log"
}

@test "User in the client configuration picks the account, in its Host block; -l and -o override it" {
	local cfg
	cfg=$(config "Host 127.0.0.1
User $B")
	run -0 rsh_cmd -F "$cfg" -n 127.0.0.1 id -un
	assert_output "$B"
	run -0 rsh_cmd -F "$cfg" -n -l "$A" 127.0.0.1 id -un
	assert_output "$A"
	run -0 rsh_cmd -F "$cfg" -n -o "User=$A" 127.0.0.1 id -un
	assert_output "$A"
	# Another host's block: the key's default.
	run -0 rsh_cmd -F "$cfg" -n 127.0.0.2 id -un
	assert_output "$A"
	cfg=$(config "User root")
	run -255 rsh_cmd -F "$cfg" -n 127.0.0.1 id -un
	assert_output --partial "may not run commands as 'root'"
}

@test "an account name longer than 32 bytes is refused by rsh itself" {
	run -255 rsh_cmd -n -l "$(printf 'a%.0s' {1..33})" 127.0.0.1 true
	assert_output --partial "is longer than an account name can be (32 bytes)"
}

@test "over UDP -l picks the account, and one the key does not name is denied" {
	run -0 rsh_cmd -u -n -l "$B" 127.0.0.1 'id -un; echo "$HOME"'
	assert_output "$(printf '%s\n/var/tmp' "$B")"
	run -0 rsh_cmd -u -n 127.0.0.1 id -un
	assert_output "$A"
	run -255 rsh_cmd -u -n -l root 127.0.0.1 id -un
	assert_output --partial "key 'test' may not run commands as 'root'"
}

@test "through a master each command runs as the account it asks for" {
	local before after
	run -0 rsh_cmd -M 127.0.0.1 3>&-
	rsh_cmd -n 127.0.0.1 true	# the master's spare connection settles
	before=$(grep -c "authenticated key" "$RSHD_DIR/rshd.log")
	run -0 rsh_cmd -n -l "$B" 127.0.0.1 id -un
	assert_output "$B"
	run -0 rsh_cmd -n 127.0.0.1 id -un
	assert_output "$A"
	run -255 rsh_cmd -n -l root 127.0.0.1 id -un
	assert_output --partial "key 'test' may not run commands as 'root'"
	after=$(grep -c "authenticated key" "$RSHD_DIR/rshd.log")
	# Through the master: no handshake of their own.
	(( after - before <= 1 )) || fail "$((after - before)) handshakes"
}

@test "-w runs as -l's account on every host, or as each host's User" {
	local cfg
	run -0 rsh_cmd -w '127.0.0.[1-2]' -l "$B" id -un
	run -0 sort <<<"$output"
	assert_output "$(printf '127.0.0.1: %s\n127.0.0.2: %s' "$B" "$B")"
	cfg=$(config "Host 127.0.0.2
User $B")
	run -0 rsh_cmd -F "$cfg" -w '127.0.0.[1-2]' id -un
	run -0 sort <<<"$output"
	assert_output "$(printf '127.0.0.1: %s\n127.0.0.2: %s' "$A" "$B")"
	run -255 rsh_cmd -w '127.0.0.[1-2]' -l root id -un
	assert_output --partial "may not run commands as 'root'"
}

@test "--json names the chosen account, and none when none was chosen" {
	run -0 rsh_cmd --json -n -l "$B" 127.0.0.1 true
	assert_output --partial "\"account\":\"$B\""
	run -0 rsh_cmd --json -n 127.0.0.1 true
	refute_output --partial '"account"'
}

@test "the audit log records the account the command ran as" {
	rsh_cmd -n -l "$B" 127.0.0.1 'echo mark-audit-b' >/dev/null
	rsh_cmd -n 127.0.0.1 'echo mark-audit-a' >/dev/null
	run -0 python3 - "$RSHD_DIR/audit.log" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"] == "exit" and "mark-audit" in (r.get("command") or ""):
        print(r["command"].split()[1], r["account"])
EOF
	assert_output "$(printf 'mark-audit-b %s\nmark-audit-a %s' "$B" "$A")"
}

@test "a key with one account works as before; -l may name it, and only it" {
	keyed_rshd "$BATS_TEST_TMPDIR/one" "user=$B"
	run -0 rsh_cmd -n 127.0.0.1 id -un
	assert_output "$B"
	run -0 rsh_cmd -n -l "$B" 127.0.0.1 id -un
	assert_output "$B"
	run -255 rsh_cmd -n -l "$A" 127.0.0.1 id -un
	assert_output --partial "denied: key 'test' may not run commands as '$A' (its user= option names: $B)"
}

# keys_check DIR OPTIONS: rshd -t on a keys file whose one key carries
# OPTIONS.
keys_check() {
	make_keys "$1" || return 1
	printf '%s %s\n' "$(cat "$1/keys")" "$2" >"$1/keys.new" &&
	    mv "$1/keys.new" "$1/keys" && chmod 600 "$1/keys" || return 1
	"$RSHD" -t -f none -k "$1/keys" -o PermitRootCommands=yes 2>&1
}

@test "a key naming an account that does not exist is skipped whole, naming it" {
	run -1 keys_check "$BATS_TEST_TMPDIR/bad" "user=\"$A,nosuchacct$$\""
	assert_output --partial "key 'test': user=nosuchacct$$: no such account; the key is skipped"
}

@test "several accounts unquoted: the key is skipped with a hint to quote them" {
	run -1 keys_check "$BATS_TEST_TMPDIR/q" "user=$A,$B"
	assert_output --partial "several accounts are one quoted value: user=\"a,b\"; the key is skipped"
}

@test "allow= and command= keys run as the chosen account too" {
	keyed_rshd "$BATS_TEST_TMPDIR/allow" "user=\"$A,$B\",allow=\"id -un\""
	run -0 rsh_cmd -n -l "$B" 127.0.0.1 id -un
	assert_output "$B"
	run -255 rsh_cmd -n -l root 127.0.0.1 id -un
	assert_output --partial "may not run commands as 'root'"
	stop_test_rshds
	keyed_rshd "$BATS_TEST_TMPDIR/cmd" "user=\"$A,$B\",command=\"id -un\""
	run -0 rsh_cmd -n -l "$B" 127.0.0.1 anything
	assert_output "$B"
	run -0 rsh_cmd -n 127.0.0.1 anything
	assert_output "$A"
}

@test "an ACCOUNT that breaks the wire rules is BAD_REQUEST" {
	# ARG "id", then an empty ACCOUNT; then ACCOUNT "a" twice.
	run -0 probe rec 01 010000000269640800000000 read
	assert_line --partial "ERROR 1 ACCOUNT is not 1 to 32 bytes"
	assert_line 'EXIT 2 255'
	run -0 probe rec 01 01000000026964080000000161080000000162 read
	assert_line --partial "ERROR 1 ACCOUNT is given more than once"
}
