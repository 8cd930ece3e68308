#!/usr/bin/env bats
# The client: config and its precedence, options, liveness, line mode,
# --json, port checks, failed output, and protocol errors from a fake
# server (tests/tools/fakersh.c).

bats_require_minimum_version 1.5.0
load helpers

FAKERSH=$RSH_BUILD/tools/fakersh

setup_file() {
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	local p
	# A stopped server cannot act on TERM: let it go on first.
	for p in ${STOPPED_PIDS:-}; do
		kill -CONT "$p" 2>/dev/null || true
	done
	for p in ${FAKE_PIDS:-}; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rsh_teardown
}

# fake MODE [N]: starts fakersh with this file's keys; sets FAKE_PORT.
fake() {
	local d=$BATS_TEST_TMPDIR/fake pid
	mkdir -p "$d"
	# A second fake in one test must not be found by the first's port.
	rm -f "$d/port"
	"$FAKERSH" -k "$RSHD_DIR/keys" -P "$d/port" "$@" \
	    </dev/null >"$d/log" 2>&1 3>&- &
	pid=$!
	FAKE_PIDS="${FAKE_PIDS:-} $pid"
	wait_until "[ -s '$d/port' ]" 10
	FAKE_PORT=$(cat "$d/port")
}

# conf TEXT...: a config file in the test's directory, one line an arg.
conf() {
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/config"
	echo "$BATS_TEST_TMPDIR/config"
}

# A port nothing listens on: bound, never listening, then closed.
dead_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "a Host block in -F FILE gives HostName, Port and Key" {
	local f
	f=$(conf '# comment' 'Host other' '  Port 1' 'Host web*' \
	    "  HostName 127.0.0.1" "  Port $RSHD_PORT" "  Key $RSH_KEYFILE")
	run -0 "$RSH" -F "$f" -n web3 echo via-config
	assert_output via-config
}

@test "~/.config/rsh/config is read when -F is not given; -F none skips it" {
	local h=$BATS_TEST_TMPDIR/home
	mkdir -p "$h/.config/rsh"
	printf 'Host *\n Port %s\n Key %s\n' "$RSHD_PORT" "$RSH_KEYFILE" \
	    >"$h/.config/rsh/config"
	run -0 env -u RSH_PORT -u RSH_KEY HOME="$h" "$RSH" -n 127.0.0.1 echo home
	assert_output home
	run -255 env -u RSH_PORT -u RSH_KEY HOME="$h" "$RSH" -F none -n \
	    127.0.0.1 true
	assert_output --partial "$h/.config/rsh/key"
}

@test "the first value wins within a config file" {
	local f
	f=$(conf "Port $RSHD_PORT" 'Host 127.0.0.1' '  Port 1' \
	    "Key $RSH_KEYFILE")
	run -0 "$RSH" -F "$f" -n 127.0.0.1 echo first
	assert_output first
}

@test "precedence: command line, then -o, then environment, then file" {
	local dead f
	dead=$(dead_port)
	f=$(conf "Port $dead" "Key $RSH_KEYFILE")
	# The file alone: its port, nothing listens.
	run -255 "$RSH" -F "$f" -n 127.0.0.1 true
	assert_output "rsh: 127.0.0.1:$dead: connection refused"
	# The environment beats the file.
	run -0 env RSH_PORT="$RSHD_PORT" "$RSH" -F "$f" -n 127.0.0.1 echo env
	assert_output env
	# -o beats the environment.
	run -255 env RSH_PORT="$RSHD_PORT" "$RSH" -F "$f" -o "Port=$dead" \
	    -n 127.0.0.1 true
	assert_output "rsh: 127.0.0.1:$dead: connection refused"
	# -p beats -o; HOST:PORT beats -p.
	run -0 "$RSH" -F "$f" -o "Port=$dead" -p "$RSHD_PORT" -n 127.0.0.1 \
	    echo p
	assert_output p
	run -0 "$RSH" -F "$f" -p "$dead" -n "127.0.0.1:$RSHD_PORT" echo hp
	assert_output hp
}

@test "key precedence: -k, then -o Key, then RSH_KEY, then the file" {
	local d=$BATS_TEST_TMPDIR f
	(umask 077 && "$RSH" --keygen test >"$d/wrong")
	f=$(conf "Key $d/wrong" "Port $RSHD_PORT")
	run -255 "$RSH" -F "$f" -n 127.0.0.1 true
	assert_output --partial "authentication failed"
	run -0 env RSH_KEY="$RSH_KEYFILE" "$RSH" -F "$f" -n 127.0.0.1 echo k1
	assert_output k1
	run -255 env RSH_KEY="$RSH_KEYFILE" "$RSH" -F "$f" -o "Key=$d/wrong" \
	    -n 127.0.0.1 true
	run -0 "$RSH" -F "$f" -o "Key=$d/wrong" -k "$RSH_KEYFILE" -n \
	    127.0.0.1 echo k2
	assert_output k2
}

@test "ServerName sets the name presented to the server" {
	local f
	f=$(conf "Host alias" "HostName 127.0.0.1" "ServerName other.example" \
	    "Port $RSHD_PORT" "Key $RSH_KEYFILE")
	run -255 "$RSH" -q -F "$f" -n alias true
	assert_output \
	    "rsh: server alias:$RSHD_PORT does not answer to the name 'other.example'"
}

@test "a bad config line or -o stops rsh with 255, naming it" {
	local f
	f=$(conf 'Port 2222' 'Bogus yes')
	run -255 "$RSH" -F "$f" -n 127.0.0.1 true
	assert_output "rsh: $f:2: unknown keyword 'Bogus'"
	run -255 "$RSH" -F none -o AliveCount=many -n 127.0.0.1 true
	assert_output "rsh: -o AliveCount=many: AliveCount: 'many' is not a valid value"
}

@test "a missing key file says how to make one, and -k" {
	local k=$BATS_TEST_TMPDIR/none/key
	run -255 "$RSH" -F none -k "$k" -n 127.0.0.1 true
	assert_line --index 0 "rsh: key file $k: No such file or directory"
	assert_line --index 1 "rsh: hint: make a key with rsh --keygen KEYID -o $k (and put the same line in the server's keys file), or name another with -k FILE"
	run -255 "$RSH" -q -F none -k "$k" -n 127.0.0.1 true
	assert_output "rsh: key file $k: No such file or directory"
}

@test "-o with a file name says what -o takes and where --keygen's -o belongs" {
	run -255 "$RSH" -F none -o key.line -n 127.0.0.1 true
	assert_output "rsh: -o takes a setting, KEYWORD=value (rsh_config(5)), not 'key.line'; to write a new key to a file: rsh --keygen KEYID -o FILE"
}

@test "ports are range-checked everywhere, never wrapped" {
	run -255 "$RSH" -p 67758 -n 127.0.0.1 true
	assert_output "rsh: invalid port '67758'"
	run -255 "$RSH" -n 127.0.0.1:67758 true
	assert_output "rsh: invalid port '67758'"
	run -255 env RSH_PORT=0 "$RSH" -F none -n 127.0.0.1 true
	assert_output "rsh: invalid port '0'"
	run -255 "$RSH" -F none -o Port=65536 -n 127.0.0.1 true
	assert_output "rsh: invalid port '65536'"
}

@test "authentication failure names host and port" {
	local d=$BATS_TEST_TMPDIR
	(umask 077 && "$RSH" --keygen test >"$d/wrong")
	run -255 "$RSH" -q -k "$d/wrong" -p "$RSHD_PORT" -n 127.0.0.1 true
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: authentication failed for key 'test'"
}

@test "a server that greets and goes silent is a timeout, not an auth failure" {
	local t0 t
	fake greet-silent
	t0=$(now_ms)
	run -255 rsh_cmd --connect-timeout 500ms -n "127.0.0.1:$FAKE_PORT" true
	t=$(($(now_ms) - t0))
	assert_output "rsh: 127.0.0.1:$FAKE_PORT: the server greeted but did not answer the handshake within 0.5 s (timed out)"
	((t < $(scaled 3000))) || fail "took $t ms"
	run -255 rsh_cmd -o ConnectTimeout=0.3 -n "127.0.0.1:$FAKE_PORT" true
	assert_output --partial "within 0.3 s (timed out)"
}

@test "EXIT with no STARTED or ERROR before it is a protocol error (255)" {
	fake exit-first
	run -255 rsh_cmd -n "127.0.0.1:$FAKE_PORT" true
	assert_output "rsh: 127.0.0.1:$FAKE_PORT: protocol error: EXIT without STARTED or ERROR"
}

@test "-l against a v1 server without the extension: BAD_REQUEST and a hint, nothing run; without -l it runs" {
	fake v1
	run -0 rsh_cmd -n "127.0.0.1:$FAKE_PORT" true
	assert_output ok
	run -255 rsh_cmd -n -l deploy "127.0.0.1:$FAKE_PORT" true
	assert_line "rsh: 127.0.0.1:$FAKE_PORT: bad request: an unknown tag below 0x80"
	assert_line --partial "rsh: hint: this server does not know how to choose the account (-l, User"
	refute_line ok
}

@test "--retry N retries a busy refusal; off by default" {
	fake busy 2
	run -255 rsh_cmd -n "127.0.0.1:$FAKE_PORT" true
	assert_output "rsh: 127.0.0.1:$FAKE_PORT refused the connection: busy: try later"
	run -0 --separate-stderr rsh_cmd --retry 3 -n "127.0.0.1:$FAKE_PORT" true
	assert_output ok
	[ "$(grep -c 'busy: try later; retry' <<<"$stderr")" -eq 1 ] ||
	    fail "stderr: $stderr"
	run -0 --separate-stderr rsh_cmd -q --retry 3 -n \
	    "127.0.0.1:$FAKE_PORT" true
	assert_equal "$stderr" ""
}

@test "--retry also retries a server that never greets or closes without a word" {
	fake mute 2
	run -255 rsh_cmd --connect-timeout 500ms -n "127.0.0.1:$FAKE_PORT" true
	assert_output "rsh: 127.0.0.1:$FAKE_PORT: no greeting from the server within 0.5 s (timed out)"
	run -0 --separate-stderr rsh_cmd --retry 3 --connect-timeout 500ms \
	    -n "127.0.0.1:$FAKE_PORT" true
	assert_output ok
	[ "$(grep -c 'no greeting from the server within 0.5 s; retry' \
	    <<<"$stderr")" -eq 1 ] || fail "stderr: $stderr"
	fake hangup 2
	run -0 --separate-stderr rsh_cmd --retry 3 -n "127.0.0.1:$FAKE_PORT" \
	    true
	assert_output ok
	[ "$(grep -c 'connection closed before the handshake; retry' \
	    <<<"$stderr")" -eq 2 ] || fail "stderr: $stderr"
}

@test "--retry also retries a refused connection: a server that restarts" {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# Nobody listens: each try is refused, then rsh gives up with 255.
	run -255 --separate-stderr rsh_cmd --retry 2 -n "127.0.0.1:$port" true
	[ "$(grep -c "127.0.0.1:$port: connection refused; retry [12] of 2" \
	    <<<"$stderr")" -eq 2 ] || fail "stderr: $stderr"
	[[ $stderr == *"rsh: 127.0.0.1:$port: connection refused" ]] ||
	    fail "stderr: $stderr"
	run -255 --separate-stderr rsh_cmd -n "127.0.0.1:$port" true
	assert_equal "$stderr" "rsh: 127.0.0.1:$port: connection refused"
	# A server that comes up while rsh waits runs the command, once.
	rsh_cmd --retry 5 -n "127.0.0.1:$port" \
	    "echo ran >>$BATS_TEST_TMPDIR/ran" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local client=$!
	wait_until "grep -q 'retry 1 of 5' '$BATS_TEST_TMPDIR/out'"
	mkdir -p "$BATS_TEST_TMPDIR/srv"
	cp "$RSHD_DIR/keys" "$BATS_TEST_TMPDIR/srv/keys"
	start_rshd "$BATS_TEST_TMPDIR/srv" -p "$port"
	wait "$client" || fail "rsh: $(cat "$BATS_TEST_TMPDIR/out")"
	[ "$(cat "$BATS_TEST_TMPDIR/ran")" = ran ]
}

@test "-m and --max-time take s and ms suffixes and report the limit as given" {
	run -143 rsh_cmd -n -m 300ms 127.0.0.1 sleep 10
	assert_output --partial "timed out (-m 300ms)"
	run -0 rsh_cmd -n --max-time 5s 127.0.0.1 echo in-time
	assert_output in-time
	run -255 rsh_cmd -n -m 10min 127.0.0.1 true
	assert_output "rsh: -m wants a time above 0 (10, 1.5s, 250ms), not '10min'"
	run -255 rsh_cmd -n --connect-timeout 0 127.0.0.1 true
	assert_output --partial "--connect-timeout wants a time above 0"
}

@test "-q silences rsh's warnings but not its errors" {
	run -143 --separate-stderr rsh_cmd -q -n -m 300ms 127.0.0.1 sleep 10
	assert_equal "$stderr" ""
	run -255 --separate-stderr rsh_cmd -q -n -p 1 127.0.0.1 true
	assert_equal "$stderr" "rsh: 127.0.0.1:1: connection refused"
}

@test "-v shows resolve, connect, handshake, first byte and exit with timings" {
	run -0 --separate-stderr rsh_cmd -v -n 127.0.0.1 echo hi
	assert_output hi
	for step in "resolved to 1 address in" "connected to 127.0.0.1:$RSHD_PORT at" \
	    "handshake done at" "first byte of output at" "exit status 0 at"; do
		grep -qF "rsh: 127.0.0.1:$RSHD_PORT: $step" <<<"$stderr" ||
		    fail "no '$step' in: $stderr"
	done
}

@test "-e sends an environment variable: this rshd denies it, exit 255" {
	run -255 rsh_cmd -n -e FOO=bar 127.0.0.1 'echo ran'
	# The rest of the text is the server's policy's to word.
	assert_output --partial \
	    "rsh: 127.0.0.1:$RSHD_PORT: denied: environment variable FOO is not accepted"
	[ "${#lines[@]}" -eq 1 ] || fail "more than one line: $output"
	refute_output --partial ran
	run -255 rsh_cmd -n -e 1FOO=bar 127.0.0.1 true
	assert_output --partial "-e wants NAME=value"
}

@test "-d runs the command in that directory" {
	local d=$BATS_TEST_TMPDIR/work
	mkdir -p "$d"
	run -0 rsh_cmd -n -d "$d" 127.0.0.1 pwd
	assert_output "$d"
}

@test "--keygen ID -o FILE writes a 0600 key file and never overwrites one" {
	local d=$BATS_TEST_TMPDIR f
	f=$d/new.key
	run -0 "$RSH" --keygen me -o "$f"
	[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"
	run -0 cat "$f"
	assert_output --regexp '^me [A-Za-z0-9+/]{43}=$'
	cp "$f" "$d/copy"
	run -255 "$RSH" --keygen me -o "$f"
	assert_output "rsh: $f already exists; not overwriting it (only an empty file of yours is filled in)"
	cmp "$f" "$d/copy"
	: >"$d/empty"
	chmod 644 "$d/empty"
	run -0 "$RSH" --keygen me -o "$d/empty"
	[ "$(stat -c %a "$d/empty")" = 600 ] && [ -s "$d/empty" ]
}

@test "a failed write to stdout stops the remote command and exits 255" {
	local m
	m=$(unique_marker)
	run -255 --separate-stderr sh -c '"$@" >/dev/full' sh "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 "yes $m"
	assert_equal "$stderr" \
	    "rsh: cannot write standard output: No space left on device"
	wait_until "[ -z \"\$(remote_pids '$m')\" ]" 10
}

@test "liveness: a stopped server is given up on after AliveCount intervals" {
	local d=$BATS_TEST_TMPDIR/srv m pid st=0 t0 t
	m=$(unique_marker)
	cp "$RSHD_DIR/keys" "$RSHD_DIR/key" "$d/" 2>/dev/null ||
	    { mkdir -p "$d" && cp "$RSHD_DIR/keys" "$RSHD_DIR/key" "$d/"; }
	start_rshd "$d"
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n -o AliveInterval=300ms \
	    -o AliveCount=2 127.0.0.1 "sleep 60; : $m" \
	    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	pid=$!
	wait_remote "$m" >/dev/null
	STOPPED_PIDS=$RSHD_PID
	t0=$(now_ms)
	kill -STOP "$RSHD_PID"
	wait "$pid" || st=$?
	t=$(($(now_ms) - t0))
	kill -CONT "$RSHD_PID"
	[ "$st" -eq 255 ] || fail "exit $st: $(cat "$BATS_TEST_TMPDIR/out")"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: no answer from the server for 0.9 s (AliveInterval 0.3 s, AliveCount 2); giving up"
	((t < $(scaled 5000))) || fail "took $t ms"
}

@test "PING keeps a silent command alive while the server answers" {
	run -0 rsh_cmd -n -o AliveInterval=100ms -o AliveCount=1 127.0.0.1 \
	    'sleep 1; echo done'
	assert_output done
}

@test "--line-mode: each line a command on one connection, status of the last" {
	local before after
	before=$(grep -c 'authenticated key' "$RSHD_DIR/rshd.log")
	run -3 --separate-stderr sh -c 'printf "%s\n" "echo one" "" \
	    "echo two >&2" "false" "echo three; exit 3" | "$@"' sh \
	    "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" --line-mode 127.0.0.1
	assert_output "$(printf 'one\nthree')"
	assert_equal "$stderr" two
	after=$(grep -c 'authenticated key' "$RSHD_DIR/rshd.log")
	[ $((after - before)) -eq 1 ] || fail "$((after - before)) connections"
	run -0 sh -c 'printf "echo no-newline" | "$@"' sh "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" --line-mode 127.0.0.1
	assert_output no-newline
}

@test "--line-mode takes no COMMAND and no -t" {
	run -255 rsh_cmd --line-mode 127.0.0.1 true
	assert_output "rsh: --line-mode reads the commands from standard input: drop the COMMAND"
	run -255 rsh_cmd --line-mode -t 127.0.0.1 </dev/null
	assert_output "rsh: --line-mode runs its commands without a terminal; drop -t"
}

@test "a script on stdin runs as one script: if/fi blocks hold" {
	run -0 --separate-stderr rsh_cmd 127.0.0.1 <<-'SH'
		if [ "$(echo yes)" = yes ]; then
		  echo inside
		else
		  echo wrong
		fi
		for i in 1 2; do echo "loop $i"; done
	SH
	assert_output "$(printf 'inside\nloop 1\nloop 2')"
	[ -z "$stderr" ]
}

@test "a script on stdin keeps its state: cd then pwd" {
	run -0 rsh_cmd 127.0.0.1 <<-'SH'
		cd /tmp
		pwd
		x=kept
		echo "$x"
	SH
	assert_output "$(printf '/tmp\nkept')"
}

@test "a script on stdin ends with its status: exit 4 in the middle" {
	local marker=$BATS_TEST_TMPDIR/after-exit
	run -4 rsh_cmd 127.0.0.1 <<-SH
		echo before
		exit 4
		touch $marker
	SH
	assert_output before
	[ ! -e "$marker" ]
}

@test "a script on stdin runs in the account's shell, one connection, one command" {
	local before after
	before=$(grep -c 'authenticated key' "$RSHD_DIR/rshd.log")
	run -0 rsh_cmd 127.0.0.1 <<<'echo "$0"; false; true'
	assert_output --regexp "^-?(/bin/|/usr/bin/)?(ba|da|z|k)?sh$"
	after=$(grep -c 'authenticated key' "$RSHD_DIR/rshd.log")
	[ $((after - before)) -eq 1 ] || fail "$((after - before)) connections"
}

@test "-x without a COMMAND on a script is refused, naming --line-mode" {
	run -255 rsh_cmd -x 127.0.0.1 <<<'echo hi'
	assert_output --partial "drop -x, or give --line-mode"
}

@test "no command, a terminal and -T: the shell reads it, as without a terminal" {
	# Terminal sessions themselves are pty.bats's.
	run -0 python3 - "$RSH" "$RSH_KEYFILE" "$RSHD_PORT" <<'PY'
import os, pty, subprocess, sys
rsh, key, port = sys.argv[1:]
master, slave = pty.openpty()
os.write(master, b"echo one-$((1+1))\n\x04")   # a line, then ^D: EOF
p = subprocess.run([rsh, "-k", key, "-p", port, "-T", "127.0.0.1"],
    stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
print("%d|%s|%s" % (p.returncode, p.stdout.decode().strip(),
    p.stderr.decode().strip()))
PY
	assert_output "0|one-2|"
}

# json_check PYTHON-ASSERTIONS: reads one JSON object per line from
# $output into j (the last one) and js (all), then runs the assertions.
json_check() {
	python3 -c '
import base64, json, sys
js = [json.loads(l) for l in sys.stdin.read().splitlines()]
j = js[-1]
exec(sys.argv[1])
' "$1" <<<"$output"
}

@test "--json: one object with every field, text output as UTF-8" {
	run -2 --separate-stderr rsh_cmd --json -n 127.0.0.1 'echo héllo; echo err >&2; exit 2'
	json_check '
assert len(js) == 1, js
assert j["host"] == "127.0.0.1" and j["transport"] == "tcp", j
assert j["port"] == int(sys.argv[2]) if len(sys.argv) > 2 else True
assert j["command"] == "echo héllo; echo err >&2; exit 2", j
assert j["status"] == 2 and j["exit"] == 2 and j["signal"] is None, j
assert j["error"] is None, j
assert j["stdout"] == "héllo\n" and j["stdout_base64"] is False, j
assert j["stderr"] == "err\n" and j["stderr_base64"] is False, j
assert j["stdout_bytes"] == 7 and j["stderr_bytes"] == 4, j
assert isinstance(j["duration_ms"], int) and j["duration_ms"] >= 0, j
'
	[[ $output == *"\"port\":$RSHD_PORT,"* ]] || fail "$output"
}

@test "--json: output that is not UTF-8 comes as base64 with the flag" {
	run -0 --separate-stderr rsh_cmd --json -n -x 127.0.0.1 printf 'a\377\376b'
	json_check '
assert j["argv"] == ["printf", "a\\377\\376b"], j
assert j["stdout_base64"] is True, j
assert base64.b64decode(j["stdout"]) == b"a\xff\xfeb", j
assert j["stdout_bytes"] == 4 and j["status"] == 0 and j["exit"] == 0, j
'
}

@test "--json: timed_out tells the time limit from an outside TERM" {
	# Both end with signal 15 (status 143); only one was -m's.
	run -143 --separate-stderr rsh_cmd --json -n -m 300ms 127.0.0.1 \
	    'sleep 30'
	json_check '
assert j["signal"] == 15 and j["status"] == 143, j
assert j["timed_out"] is True, j
'
	run -143 --separate-stderr rsh_cmd --json -n -m 30s -x 127.0.0.1 \
	    sh -c 'kill $$'
	json_check '
assert j["signal"] == 15 and j["status"] == 143, j
assert j["timed_out"] is False, j
'
}

@test "--json: a signal, and rsh's own error when the command never ran" {
	run -143 --separate-stderr rsh_cmd --json -n -x 127.0.0.1 sh -c 'kill $$'
	json_check '
assert j["signal"] == 15 and j["exit"] is None and j["status"] == 143, j
'
	run -255 --separate-stderr rsh_cmd --json -n -p 1 127.0.0.1 true
	json_check '
assert j["error"] == "connection refused", j
assert j["status"] == 255 and j["exit"] is None and j["signal"] is None, j
assert j["port"] == 1 and j["stdout"] == "", j
'
	assert_equal "$stderr" "rsh: 127.0.0.1:1: connection refused"
}

@test "--json: one object per command in line mode" {
	run -1 --separate-stderr sh -c 'printf "echo a\nfalse\n" | "$@"' sh "$RSH" --json --line-mode \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1
	json_check '
assert len(js) == 2, js
assert js[0]["command"] == "echo a" and js[0]["stdout"] == "a\n", js
assert js[1]["command"] == "false" and js[1]["exit"] == 1, js
'
}

@test "--json works over UDP (-u)" {
	local d=$BATS_TEST_TMPDIR/srv
	mkdir -p "$d" && cp "$RSHD_DIR/keys" "$RSHD_DIR/key" "$d/"
	RSHD_NO_UDP= start_rshd "$d"
	run -0 --separate-stderr rsh_cmd --json -u -n 127.0.0.1 'echo over-udp'
	json_check '
assert j["transport"] == "udp" and j["stdout"] == "over-udp\n", j
assert j["status"] == 0 and j["exit"] == 0 and j["error"] is None, j
'
}

@test "-h lists every option" {
	run -0 "$RSH" -h
	for o in -d -e -F -k -m --max-time -n -o -p -q -u -v -x \
	    --connect-timeout --json --max-reply --retry --keygen -V; do
		[[ $output == *" $o"* ]] || fail "-h does not list $o"
	done
}

@test "-V, -h and an option error load no libcrypto; a direct call loads it" {
	run -0 loaded_libs "$RSH" -V
	refute_output --partial libcrypto
	# The loader did report: libc is there.
	assert_output --partial 'file=libc.so'
	run -0 loaded_libs "$RSH" -h
	refute_output --partial libcrypto
	run -255 loaded_libs "$RSH" --no-such-option
	refute_output --partial libcrypto
	run -255 loaded_libs "$RSH" -p 99999 127.0.0.1 true
	refute_output --partial libcrypto
	run -0 loaded_libs rsh_cmd 127.0.0.1 true
	assert_output --partial "file=$(crypto_soname)"
}

@test "a direct call initializes OpenSSL as crypto_init says: no openssl.cnf" {
	strace_or_skip
	# Reading the key once made OpenSSL start itself, config and all,
	# before crypto_init could ask it not to.
	# (LeakSanitizer cannot run under ptrace: off for this one call.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run -0 strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/st" \
	    "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 true
	run -0 cat "$BATS_TEST_TMPDIR/st"
	assert_output --partial "$(crypto_soname)"
	refute_output --partial 'openssl.cnf'
}

@test "a direct call starts its connect before it loads libcrypto and reads its key" {
	strace_or_skip
	# Loading libcrypto and reading the key (about a millisecond of
	# CPU) overlap the SYN, the server's accept and its greeting.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run -0 strace -f -e trace=connect,open,openat \
	    -o "$BATS_TEST_TMPDIR/st" \
	    "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 true
	run -0 awk -v so="$(crypto_soname)" -v key="\"$RSH_KEYFILE\"" '
	    /connect\(.*AF_INET/ && !c { c = NR }
	    index($0, so) && !l { l = NR }
	    index($0, key) && !k { k = NR }
	    END {
		if (c && c < l && c < k) print "connect first"
		else print "connect at line " c ", libcrypto " l ", key " k
	    }' \
	    "$BATS_TEST_TMPDIR/st"
	assert_output "connect first"
}

@test "rsh links no libcrypto; its .note.dlopen names the one it loads" {
	local so
	so=$(crypto_soname)
	[ -n "$so" ]
	run -0 readelf -d "$RSH"
	refute_output --partial libcrypto
	# The freedesktop.org ELF dlopen metadata: owner FDO, type 0x407c0c0a.
	# (readelf exits 1 for a note type it does not know.)
	run readelf -n "$RSH"
	assert_output --regexp 'FDO +0x[0-9a-f]+[[:space:]]+Unknown note type: \(0x407c0c0a\)'
	run -0 readelf -p .note.dlopen "$RSH"
	assert_output --partial '"priority":"required"'
	assert_output --partial "\"soname\":[\"$so\"]"
}

@test "a libcrypto that cannot be loaded is named, exit 255; -V needs none" {
	local lib
	[ "$(id -u)" -eq 0 ] || skip "hides libcrypto in a mount namespace: root only"
	unshare -m true 2>/dev/null || skip "unshare -m does not work here"
	lib=$(readlink -f "$(ldd "$RSHD" | awk '/libcrypto/ { print $3 }')")
	[ -f "$lib" ]
	# In a mount namespace of its own, the library file reads as empty.
	run -255 unshare -m sh -c 'mount --bind /dev/null "$1" && shift &&
	    exec "$@"' sh "$lib" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" \
	    127.0.0.1 true
	assert_output --partial "rsh: cannot load $(crypto_soname): "
	assert_output --partial "${lib##*/}"
	run -0 unshare -m sh -c 'mount --bind /dev/null "$1" && shift &&
	    exec "$@"' sh "$lib" "$RSH" -V
	assert_output --partial 'rsh 0.1.0'
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
