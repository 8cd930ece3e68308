#!/usr/bin/env bats
# Terminal sessions: rsh HOST on a terminal gets a login shell on a
# pseudo-terminal with TERM and the window's size, follows window
# changes, knows ssh's escapes and always gives the terminal back as it
# found it; -t and -T; --json with a terminal; and a PTY command is a job
# like any other (time limit, SIGNAL, group stop, audit), refused where
# policy says so.

bats_require_minimum_version 1.5.0
load helpers

# UDP on: the PTY request over UDP must be refused by the server itself.
export RSHD_NO_UDP=

# Sessions run as a throwaway account, made here with an empty home of
# its own: a login shell reads its account's dotfiles, and root's on this
# host are not the test's to depend on (a stale lock in one once made
# every login shell wait 60 s).  Making it takes root; otherwise the login
# shell tests skip (need_pty_user), and the rest run as the caller.
setup_file() {
	local d=$BATS_FILE_TMPDIR/srv
	PTY_USER=
	if [ "$(id -u)" -eq 0 ] && command -v useradd >/dev/null; then
		PTY_USER=rshpty$$
		PTY_HOME=$(mktemp -d /tmp/rshpty.XXXXXX)
		useradd --home-dir "$PTY_HOME" --no-create-home \
		    --shell /bin/bash --user-group "$PTY_USER" || return 1
		chown "$PTY_USER": "$PTY_HOME"
		make_keys "$d"
		sed -i "s/\$/ user=$PTY_USER/" "$d/keys"
	fi
	export PTY_USER PTY_HOME
	rsh_setup_file -o "AuditLog=$d/audit.log"
}

teardown_file() {
	local rc=0
	rsh_teardown_file || rc=$?
	if [ -n "$PTY_USER" ]; then
		userdel "$PTY_USER" || rc=1
		rm -rf "$PTY_HOME"
	fi
	return "$rc"
}

# need_pty_user: skips a test that starts a login shell when there is no
# throwaway account for it.
need_pty_user() {
	[ -n "$PTY_USER" ] || skip "login shells run as a throwaway account," \
	    "which takes root (useradd) to make"
}

teardown() {
	rsh_teardown
}

# drive STEP... -- ARG...: rsh with this file's key and server, run on a
# fresh pseudo-terminal of 30x100 by tests/tools/ptydrive.py.
drive() {
	local steps=()
	while [ "$1" != -- ]; do
		steps+=("$1")
		shift
	done
	shift
	TERM=vt220 python3 "$BATS_TEST_DIRNAME/tools/ptydrive.py" -s 30x100 \
	    "${steps[@]}" -- "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$@"
}

# pty_exec CMD: an EXEC payload in hex: sh -c CMD on a terminal (24x80).
pty_exec() {
	python3 -c '
import struct, sys
def tlv(t, v): return bytes([t]) + struct.pack(">I", len(v)) + v
p = tlv(1, b"/bin/sh") + tlv(1, b"-c") + tlv(1, sys.argv[1].encode())
p += tlv(5, struct.pack(">I", 2)) + tlv(6, struct.pack(">HH", 24, 80))
print(p.hex())' "$1"
}

@test "login shells here run as the throwaway account, in its empty home" {
	need_pty_user
	run -0 drive \
	    'send:echo "U=$(id -un) H=$HOME P=$(pwd) N=$(ls -A | wc -l) I=$((6*7))"\r' \
	    'expect:(U=[^\r]*) I=42\r\n' 'send:exit\r' exit -- 127.0.0.1
	assert_line "MATCH U=$PTY_USER H=$PTY_HOME P=$PTY_HOME N=0"
}

@test "rsh HOST on a terminal: a login shell on a pseudo-terminal with TERM and the window's size" {
	need_pty_user
	run -0 drive \
	    'send:tty; echo "T=$TERM S=$(stty size) A=$0 I=$((6*7))"\r' \
	    'expect:(/dev/pts/[0-9]+)\r\n' 'expect:T=(.*) I=42' \
	    'send:exit 3\r' exit modes -- 127.0.0.1
	assert_line --regexp '^MATCH /dev/pts/[0-9]+$'
	# A login shell: its argv[0] starts with '-'.
	assert_line --regexp '^MATCH vt220 S=30 100 A=-[a-z]+$'
	assert_line 'EXIT 3'
	assert_line 'MODES same'
}

@test "a window change reaches the remote terminal as its new size" {
	need_pty_user
	run -0 drive 'send:echo "S=$(stty size)=$((6*7))"\r' \
	    'expect:S=(.*)=42' 'resize:40x120' \
	    'send:echo "S=$(stty size)=$((6*8))"\r' 'expect:S=(.*)=48' \
	    'send:exit\r' exit -- 127.0.0.1
	assert_line --index 1 'MATCH 30 100'
	assert_line --index 4 'MATCH 40 120'
	assert_line 'EXIT 0'
}

@test "~. drops the connection: rsh exits 255, the terminal is restored, the remote shell's jobs go" {
	need_pty_user
	local m
	m=$(unique_marker)
	run -0 drive "send:echo up-\$((6*7)); sh -c 'sleep 300; : $m'\\r" \
	    'expect:up-(42)' 'send:~.' 'expect:rsh: [^ ]+: (.*)\r\n' exit \
	    modes -- 127.0.0.1
	assert_line 'MATCH 42'
	assert_line 'MATCH connection closed (~.)'
	assert_line 'EXIT 255'
	assert_line 'MODES same'
	# The server hangs the terminal up: the shell and its job go.
	wait_until "! marked_alive '$m'" 10
}

@test "~? lists the escapes, ~~ sends one ~, and ~ with anything else sends both" {
	need_pty_user
	run -0 drive 'send:~?' 'expect:(~\.)  drop the connection' \
	    'send:cat\r' 'send:~~A\r' 'expect:\r\n(~+A)\r\n' \
	    'send:~xB\r' 'expect:\r\n(~+xB)\r\n' 'send:\x04' \
	    'send:exit\r' exit modes -- 127.0.0.1
	assert_line 'MATCH ~.'
	assert_line 'MATCH ~A'
	assert_line 'MATCH ~xB'
	assert_line 'EXIT 0'
	assert_line 'MODES same'
}

@test "a TERM sent to rsh ends the terminal session, restores the terminal and hangs the remote shell up" {
	need_pty_user
	local m
	m=$(unique_marker)
	run -0 drive "send:echo up-\$((6*7)); sh -c 'sleep 300; : $m'\\r" \
	    'expect:up-(42)' 'kill:15' exit modes -- 127.0.0.1
	assert_line 'EXIT 143'
	assert_line 'MODES same'
	wait_until "! marked_alive '$m'" 10
}

@test "rsh -t HOST COMMAND on a terminal runs it on a pseudo-terminal; -T and no -t do not" {
	local cmd='test -t 0 && test -t 1 && echo "on-$TERM-$((6*7))" ||
	    echo "off-$((6*7))"'
	run -0 drive 'expect:(o[nf]+.*)-42' exit modes -- -t 127.0.0.1 "$cmd"
	assert_line 'MATCH on-vt220'
	assert_line 'EXIT 0'
	assert_line 'MODES same'
	run -0 drive 'expect:(o[nf]+.*)-42' exit -- -T 127.0.0.1 "$cmd"
	assert_line 'MATCH off'
	run -0 drive 'expect:(o[nf]+.*)-42' exit -- 127.0.0.1 "$cmd"
	assert_line 'MATCH off'
}

@test "-t without a terminal warns and runs without one; -tt forces one" {
	run -0 rsh_cmd -t 127.0.0.1 'test -t 1 && echo on || echo off' </dev/null
	assert_line 'rsh: standard input is not a terminal, so no pseudo-terminal (-tt forces one)'
	assert_line 'off'
	run -0 rsh_cmd -tt 127.0.0.1 'test -t 1 && tty <&1' </dev/null
	assert_line --regexp $'^/dev/pts/[0-9]+\r$'
	run -0 rsh_cmd -T 127.0.0.1 'test -t 1 && echo on || echo off' </dev/null
	assert_line 'off'
}

@test "-tt with stdin not a terminal: the command's stdin is the terminal, fed from ours" {
	# What `tty` says is about stdin: today's ssh -tt habit.
	run -0 rsh_cmd -tt 127.0.0.1 tty </dev/null
	assert_line --regexp $'^/dev/pts/[0-9]+\r$'
	run -0 bash -c 'printf "fed-line\n" | "$@"' _ "$RSH" -k "$RSH_KEYFILE" \
	    -p "$RSHD_PORT" -tt 127.0.0.1 'tty; read -r l; echo "got:$l"'
	assert_line --regexp $'^/dev/pts/[0-9]+\r$'
	assert_line $'got:fed-line\r'
}

@test "on a terminal the exit status is the command's, and its stderr comes on stdout" {
	run -3 rsh_cmd -tt 127.0.0.1 'echo out; echo err >&2; exit 3' \
	    </dev/null 2>/dev/null
	assert_line $'out\r'
	assert_line $'err\r'
}

@test "input ends on a terminal with its EOF character, not with rsh's end of input" {
	run -0 rsh_cmd -tt 127.0.0.1 'cat >/dev/null; echo "done-$((6*7))"' \
	    < <(printf 'a line\n\004')
	assert_output --partial 'done-42'
}

@test "-tt --json: stdout holds what the terminal showed (both streams), stderr is empty" {
	run -3 --separate-stderr rsh_cmd -tt --json 127.0.0.1 \
	    'test -t 1 && test -t 2 && echo out; echo err >&2; exit 3' </dev/null
	assert_equal "$stderr" ''
	python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
assert j["stdout"] == "out\r\nerr\r\n", j["stdout"]
assert not j["stdout_base64"] and j["stdout_bytes"] == 10, j
assert j["stderr"] == "" and j["stderr_bytes"] == 0, j
assert j["status"] == 3 and j["exit"] == 3 and j["signal"] is None, j
assert j["error"] is None, j
' <<<"$output"
}

@test "-t --json on a terminal: the object comes once the terminal has its modes back" {
	# Raw mode has no output processing: a "}\n" there would reach the
	# terminal as it is; restored, the newline ends the line (\r\n).
	run -0 drive 'expect:"stdout":"(on-vt220)\\u000d\\n' \
	    'expect:"stderr":"",.*"duration_ms":[0-9]+(\})\r\n' exit modes -- \
	    -t --json 127.0.0.1 'test -t 1 && echo "on-$TERM"; exit 3'
	assert_line 'MATCH on-vt220'
	assert_line 'MATCH }'
	assert_line 'EXIT 3'
	assert_line 'MODES same'
}

@test "-t with -u is a usage error; a PTY request over UDP is refused by rshd" {
	run -255 rsh_cmd -u -t 127.0.0.1 true
	assert_output 'rsh: a pseudo-terminal (-t) needs TCP; drop -u'
	run -0 udpprobe make-pty 'tty' send recv
	assert_line --regexp '^REPLY [0-9]+ 2 255 '
	assert_line 'ERR PTY is not allowed over UDP'
}

@test "a time limit stops a PTY command like any other, with its group" {
	local m
	m=$(unique_marker)
	run -143 rsh_cmd -tt -m 1 127.0.0.1 "sleep 300; : $m" </dev/null
	assert_output --partial 'timed out (-m 1): the command ran past its time limit of 1000 ms'
	wait_until "! marked_alive '$m'" 10
}

@test "a time limit on a login shell stops its jobs too, each in a group of its own" {
	need_pty_user
	local m
	m=$(unique_marker)
	# bash ignores TERM and puts the job in a process group of its own:
	# the stop takes the terminal's whole session.
	run -0 drive "send:sh -c 'sleep 300; : $m' & echo bg-\$((6*7))\\r" \
	    'expect:bg-(42)' exit modes -- -m 2 127.0.0.1
	assert_line 'MATCH 42'
	assert_line --regexp '^EXIT (137|143)$'
	assert_line 'MODES same'
	wait_until "! marked_alive '$m'" 10
	assert_rshd_at_baseline
}

@test "a SIGNAL stops a PTY command and its group" {
	local m
	m=$(unique_marker)
	run -0 probe rec 01 "$(pty_exec "sleep 300 & sleep 300; : $m")" \
	    started pause 200 signal 15 read
	assert_line 'STARTED'
	assert_line 'EXIT 1 15'
	wait_until "! marked_alive '$m'" 10
	assert_rshd_at_baseline
}

@test "the audit log marks a terminal session, a login shell by its empty argv" {
	need_pty_user
	run -0 drive 'send:exit 4\r' exit -- 127.0.0.1
	assert_line 'EXIT 4'
	wait_until "grep -q '\"pty\":true,\"argv\":\[\],.*\"exit\":4' \
	    '$RSHD_DIR/audit.log'" 10
}

@test "a key with no-pty gets DENIED for a terminal, and runs commands without one" {
	keyed_rshd "$BATS_TEST_TMPDIR/k" no-pty
	run -255 rsh_cmd -tt 127.0.0.1 true </dev/null
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: denied: key 'test' may not have a terminal (no-pty)"
	run -0 rsh_cmd 127.0.0.1 echo fine </dev/null
	assert_output 'fine'
}

@test "PermitPTY no: every terminal is DENIED" {
	start_rshd "$BATS_TEST_TMPDIR/np" -o PermitPTY=no
	run -0 drive 'expect:(rsh: .*)\r?\n' exit modes -- 127.0.0.1
	assert_line "MATCH rsh: 127.0.0.1:$RSHD_PORT: denied: this server gives no terminals (PermitPTY no)"
	assert_line 'EXIT 255'
	assert_line 'MODES same'
	run -255 rsh_cmd -tt 127.0.0.1 true </dev/null
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: denied: this server gives no terminals (PermitPTY no)"
	run -0 rsh_cmd 127.0.0.1 echo fine </dev/null
	assert_output 'fine'
}

@test "rshd holds no more than its baseline after terminal sessions" {
	assert_rshd_at_baseline
}
