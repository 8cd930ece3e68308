#!/usr/bin/env bats
# rsh -w: one command on many hosts.  One rshd listens on eight loopback
# addresses (127.0.0.1 to .8), each a "host": it answers to the address
# it was reached at, so each target presents its own server name.  All
# connections come from one source address, so the per-source limit on
# handshakes is raised.  pdsh -R exec over rsh when pdsh is installed.

bats_require_minimum_version 1.5.0
load helpers

HOSTS='127.0.0.[1-8]'

setup_file() {
	local a=()
	for i in 2 3 4 5 6 7 8; do
		a+=(-l "127.0.0.$i")
	done
	rsh_setup_file "${a[@]}" -o MaxUnauthenticatedPerSource=256 \
	    -o MaxUnauthenticated=256
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	local p
	for p in ${BG_PIDS:-}; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rsh_teardown
}

# rshw ARG...: rsh with this file's key and port.
rshw() {
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$@"
}

# A port nothing listens on: bound, never listening, then closed.
dead_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "-w runs the command once on every host of a hostlist, lines prefixed" {
	run -0 --separate-stderr rshw -w "$HOSTS" echo ok
	[ -z "$stderr" ] || fail "stderr: $stderr"
	[ "${#lines[@]}" -eq 8 ] || fail "output: $output"
	run -0 sort <<<"$output"
	assert_output "$(for i in 1 2 3 4 5 6 7 8; do echo "127.0.0.$i: ok"; done)"
}

@test "stdout and stderr lines go to rsh's stdout and stderr, each prefixed" {
	run -0 --separate-stderr rshw -w '127.0.0.[1-2]' \
	    'echo out; echo err >&2'
	run -0 sort <<<"$output"
	assert_output "$(printf '127.0.0.1: out\n127.0.0.2: out')"
	run -0 sort <<<"$stderr"
	assert_output "$(printf '127.0.0.1: err\n127.0.0.2: err')"
}

@test "lines of eight hosts printing 2000 long lines at once never split or mix" {
	local d=$BATS_TEST_TMPDIR
	# Lines of 300 bytes: many per record, records cut mid-line.
	rshw -w "$HOSTS" -f 8 'seq 1 2000 | awk "{ printf \"L%s-%0290d\\n\", \$1, \$1 }"
	    seq 1 2000 | awk "{ printf \"E%s-%0290d\\n\", \$1, \$1 }" >&2' \
	    >"$d/out" 2>"$d/err"
	for f in out:L err:E; do
		run -0 awk -v want="${f#*:}" '
		    {
			# "127.0.0.N: Lk-000..k": the host, then line k in order.
			if (!match($0, /^127\.0\.0\.[1-8]: /)) { print "bad: " $0; exit 1 }
			h = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
			n = ++count[h]
			if (rest != sprintf("%s%d-%0290d", want, n, n)) {
				print "host " h " line " n ": " substr(rest, 1, 40); exit 1
			}
		    }
		    END { for (h in count) if (count[h] != 2000) { print h count[h]; exit 1 }
			  if (length(count) != 8) { print "hosts: " length(count); exit 1 } }
		' "$d/${f%%:*}"
	done
}

@test "a last line without a newline gets one; a line past 64 KiB is cut, each piece prefixed" {
	run -0 rshw -w 127.0.0.1 'printf "a\nno-newline"'
	assert_output "$(printf '127.0.0.1: a\n127.0.0.1: no-newline')"
	run -0 rshw -w 127.0.0.1 'head -c 70000 /dev/zero | tr "\0" x; echo; echo next'
	[ "${#lines[@]}" -eq 3 ] || fail "${#lines[@]} lines"
	assert_equal "${lines[0]}" "127.0.0.1: $(head -c 65536 /dev/zero | tr '\0' x)"
	assert_equal "${lines[1]}" "127.0.0.1: $(head -c 4464 /dev/zero | tr '\0' x)"
	assert_equal "${lines[2]}" "127.0.0.1: next"
}

@test "-b prints each host's output as one block with a dshbak header" {
	local d=$BATS_TEST_TMPDIR
	rshw -w '127.0.0.[1-3]' -b 'echo one; sleep 0.1; echo two; printf three;
	    echo err >&2' >"$d/out" 2>"$d/err"
	run -0 python3 - "$d/out" "$d/err" <<'EOF'
import sys
out = open(sys.argv[1]).read()
err = open(sys.argv[2]).read()
rule = "-" * 16
def blocks(text, body):
    got = {}
    lines = text.split("\n")
    assert lines[-1] == "", repr(text)
    lines = lines[:-1]
    i = 0
    while i < len(lines):
        assert lines[i] == rule and lines[i + 2] == rule, lines[i:i + 3]
        host = lines[i + 1]
        assert host not in got, host
        got[host] = lines[i + 3:i + 3 + len(body)]
        assert got[host] == body, (host, got[host])
        i += 3 + len(body)
    return sorted(got)
hosts = ["127.0.0.%d" % i for i in (1, 2, 3)]
assert blocks(out, ["one", "two", "three"]) == hosts
assert blocks(err, ["err"]) == hosts
EOF
}

@test "-b past 4 MiB: a block goes out early at a line's end and goes on under a new header" {
	local d=$BATS_TEST_TMPDIR
	# 5.9 MB each, so each host's block is written in two pieces.
	rshw -w '127.0.0.[1-2]' -b 'seq 1 900000' >"$d/out"
	run -0 python3 - "$d/out" <<'EOF'
import sys
rule = "-" * 16
lines = open(sys.argv[1]).read().split("\n")
assert lines.pop() == ""
got, headers, i = {}, {}, 0
while i < len(lines):
    assert lines[i] == rule and lines[i + 2] == rule, lines[i:i + 3]
    host = lines[i + 1]
    headers[host] = headers.get(host, 0) + 1
    j = i + 3
    while j < len(lines) and lines[j] != rule:
        j += 1
    got.setdefault(host, []).extend(lines[i + 3:j])
    i = j
want = [str(k) for k in range(1, 900001)]
for h in ("127.0.0.1", "127.0.0.2"):
    assert got[h] == want, h
    assert headers[h] == 2, headers
print("ok")
EOF
	assert_output ok
}

@test "--json gives one object per host with host, port, status and output" {
	local d=$BATS_TEST_TMPDIR
	rshw -w '127.0.0.[1-4]' --json 'echo "hi"; echo oops >&2; exit 2' \
	    >"$d/out" || [ $? -eq 2 ]
	run -0 python3 - "$d/out" "$RSHD_PORT" <<'EOF'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert sorted(o["host"] for o in objs) == ["127.0.0.%d" % i for i in range(1, 5)], objs
for o in objs:
    assert o["port"] == int(sys.argv[2]), o
    assert (o["status"], o["exit"], o["signal"], o["error"]) == (2, 2, None, None), o
    assert (o["stdout"], o["stderr"]) == ("hi\n", "oops\n"), o
    assert o["command"] == 'echo "hi"; echo oops >&2; exit 2', o
print("ok")
EOF
	assert_output ok
}

@test "a down host and a wrong-key host: a summary, exit 255, the others' output whole" {
	local d=$BATS_TEST_TMPDIR port other
	port=$(dead_port)
	# 127.0.0.3 gets a key the server does not know (first match wins).
	other=$("$RSH" --keygen other)
	(umask 077 && { echo "$other 127.0.0.3"; cat "$RSH_KEYFILE"; } >"$d/key")
	run -255 --separate-stderr "$RSH" -k "$d/key" -p "$RSHD_PORT" \
	    -w "127.0.0.[1-5],127.0.0.1:$port" 'seq 1 500'
	local err=$stderr last=${stderr##*$'\n'}
	# Each reachable host's 500 lines, whole and in order.
	for i in 1 2 4 5; do
		[ "$(grep "^127\.0\.0\.$i: " <<<"$output" | cut -d' ' -f2)" = \
		    "$(seq 1 500)" ] || fail "127.0.0.$i: $output"
	done
	[ "${#lines[@]}" -eq 2000 ] || fail "${#lines[@]} lines"
	[[ $err == *"rsh: 127.0.0.1:$port: connection refused"* ]] ||
	    fail "stderr: $err"
	[[ $err == *"rsh: 127.0.0.3:$RSHD_PORT: authentication failed for key 'other'"* ]] ||
	    fail "stderr: $err"
	[[ $last == "rsh: 2 of 6 hosts failed: "* ]] || fail "summary: $last"
	[[ $last == *"127.0.0.3 (authentication failed for key 'other')"* ]] ||
	    fail "summary: $last"
	[[ $last == *"127.0.0.1:$port (connection refused)"* ]] ||
	    fail "summary: $last"
}

@test "a host without a key gets its JSON object with the error; a bad key file is said once" {
	local d=$BATS_TEST_TMPDIR
	(umask 077 && sed 's/$/ 127.0.0.1/' "$RSH_KEYFILE" >"$d/key")
	run -255 --separate-stderr "$RSH" -k "$d/key" -p "$RSHD_PORT" \
	    -w '127.0.0.[1-2]' --json true
	printf '%s\n' "$output" >"$d/json"
	run -0 python3 - "$d/json" "$d/key" <<'EOF'
import json, sys
objs = {o["host"]: o for o in map(json.loads, open(sys.argv[1]))}
assert objs["127.0.0.1"]["status"] == 0, objs
o = objs["127.0.0.2"]
assert (o["status"], o["exit"], o["signal"]) == (255, None, None), o
assert o["error"] == "no key for 127.0.0.2 in " + sys.argv[2], o
print("ok")
EOF
	assert_output ok
	chmod 644 "$d/key"
	run -255 --separate-stderr "$RSH" -k "$d/key" -p "$RSHD_PORT" \
	    -w '127.0.0.[1-5]' true
	[ "$(grep -c 'readable by others' <<<"$stderr")" -eq 2 ] ||
	    fail "stderr: $stderr"
	[[ ${stderr##*$'\n'} == "rsh: 5 of 5 hosts failed: 127.0.0.1 (key file "* ]] ||
	    fail "stderr: $stderr"
}

@test "the summary names at most ten failed hosts and counts the rest" {
	local port
	port=$(dead_port)
	run -255 --separate-stderr rshw -w "127.0.0.[1-12]:$port" true
	local last=${stderr##*$'\n'}
	[[ $last == "rsh: 12 of 12 hosts failed: "*" and 2 more (said above)" ]] ||
	    fail "summary: $last"
	[ "$(grep -o 'connection refused)' <<<"$last" | wc -l)" -eq 10 ]
}

@test "the exit status is the largest of the hosts' statuses" {
	local d=$BATS_TEST_TMPDIR
	mkdir "$d/n"
	# Each host takes the next free number k (mkdir is atomic) and
	# exits k: statuses 1 to 5 in some order.
	run -5 rshw -w '127.0.0.[1-5]' \
	    "k=1; while ! mkdir $d/n/\$k 2>/dev/null; do k=\$((k+1)); done; exit \$k"
	rm -r "$d/n" && mkdir "$d/n"
	# One host killed by TERM: 143 beats the exits 1, 3, 4.
	run -143 rshw -w '127.0.0.[1-4]' \
	    "k=1; while ! mkdir $d/n/\$k 2>/dev/null; do k=\$((k+1)); done
	     [ \$k -eq 2 ] && kill -TERM \$\$; exit \$k"
	rm -r "$d/n" && mkdir "$d/n"
	# An unreachable host makes it 255 whatever the others did.
	run -255 rshw -w "127.0.0.[1-3],127.0.0.1:$(dead_port)" 'exit 7'
}

@test "-X leaves hosts out and ^FILE reads them, duplicates dropped" {
	local f=$BATS_TEST_TMPDIR/hosts
	printf '%s\n' '# the fleet' '127.0.0.[1-4]  # first rack' '' \
	    '127.0.0.6,127.0.0.1' >"$f"
	run -0 rshw -w "^$f" -X '127.0.0.[2-3]' echo ok
	run -0 sort <<<"$output"
	assert_output "$(printf '127.0.0.%s: ok\n' 1 4 6)"
	run -0 rshw -w 127.0.0.1,127.0.0.1,127.0.0.2 -w 127.0.0.2 --exclude \
	    "^$f" -w 127.0.0.5 echo ok
	assert_output "127.0.0.5: ok"
}

@test "hostlist errors name the offending text; a list past 100,000 hosts is refused" {
	run -255 rshw -w 'web[1-3' true
	assert_output "rsh: -w: '[' without ']' in 'web[1-3'"
	run -255 rshw -w 'ok,db[3,x]' true
	assert_output --partial "rsh: -w: bad range '[3,x]' in 'db[3,x]'"
	run -255 rshw -w 'h[1-5]' -X 'h[5-1]' true
	assert_output "rsh: -X: range 5-1 goes down in 'h[5-1]'"
	run -255 rshw -w 'h[1-100][1-1001]' true
	assert_output "rsh: -w: 'h[1-100][1-1001]' makes the list longer than 100000 hosts"
	run -255 rshw -w 'h[1-3]' -X 'h[1-3]' true
	assert_output "rsh: -w: no hosts left after -X"
	run -255 rshw -w "^$BATS_TEST_TMPDIR/none" true
	assert_output --partial "none: No such file or directory"
	run -255 rshw -w 127.0.0.1
	assert_output --partial "-w wants a command"
	run -255 rshw -b 127.0.0.1 true
	assert_output "rsh: -b, -f and -X go with -w HOSTLIST"
	run -255 rshw -w 127.0.0.1 -f 0 true
	assert_output --partial "-f wants a number of hosts from 1 to 1024"
	run -255 rshw -w 127.0.0.1 -t true
	assert_output "rsh: -w runs without a terminal; drop -t"
}

@test "with -w standard input is not forwarded: the commands get end of file" {
	run -0 rshw -w '127.0.0.[1-2]' 'cat; echo "end"' < <(yes)
	run -0 sort <<<"$output"
	assert_output "$(printf '127.0.0.1: end\n127.0.0.2: end')"
}

@test "per-host settings come from the config: port, key and server name" {
	local d=$BATS_TEST_TMPDIR port
	port=$(dead_port)
	cat >"$d/config" <<EOF
Host web*
    HostName 127.0.0.2
Host web1
    Port $RSHD_PORT
    Key $RSH_KEYFILE
Host web2
    Port $RSHD_PORT
    Key $RSH_KEYFILE
    ServerName elsewhere.example
Host *
    Port $port
    Key $RSH_KEYFILE
    ConnectTimeout 2
EOF
	run -255 --separate-stderr "$RSH" -F "$d/config" -w 'web[1-2],127.0.0.1' \
	    echo ok
	assert_output "web1: ok"
	[[ $stderr == *"server web2:$RSHD_PORT does not answer to the name 'elsewhere.example'"* ]] ||
	    fail "stderr: $stderr"
	[[ $stderr == *"rsh: 127.0.0.1:$port: connection refused"* ]] ||
	    fail "stderr: $stderr"
}

@test "-m applies to each host: every command is stopped, each says so" {
	run -143 --separate-stderr rshw -w '127.0.0.[1-3]' -m 300ms 'sleep 10'
	[ "$(grep -c 'timed out (-m 300ms)' <<<"$stderr")" -eq 3 ] ||
	    fail "stderr: $stderr"
	# The commands ran: no host is a failure.
	[[ $stderr != *"hosts failed"* ]] || fail "stderr: $stderr"
}

@test "-f bounds the hosts at once: -f 1 runs them one after another" {
	local d=$BATS_TEST_TMPDIR
	mkdir "$d/lock"
	# Two at once would find the directory taken.
	run -0 rshw -w "$HOSTS" -f 1 \
	    "mkdir $d/lock/held || exit 9; sleep 0.05; rmdir $d/lock/held; echo ok"
	[ "${#lines[@]}" -eq 8 ] || fail "$output"
	run -9 rshw -w "$HOSTS" -f 8 \
	    "mkdir $d/lock/held || exit 9; sleep 0.5; rmdir $d/lock/held"
}

@test "SIGINT goes to every running host's command; hosts not started stay so" {
	local d=$BATS_TEST_TMPDIR m pid st=0
	m=$(unique_marker)
	env --default-signal=INT,QUIT "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" \
	    -w '127.0.0.[1-6]' -f 4 "sleep 30; : $m" >"$d/out" 2>&1 3>&- &
	pid=$!
	BG_PIDS=$pid
	wait_until "[ \$(remote_pids '$m' | wc -l) -eq 4 ]" 10
	local pids
	pids=$(remote_pids "$m" | tr "\n" " ")
	kill -INT "$pid"
	wait "$pid" || st=$?
	BG_PIDS=
	[ "$st" -eq 130 ] || fail "rsh exited $st: $(cat "$d/out")"
	grep -q "^rsh: interrupted: 2 of 6 hosts not started$" "$d/out" ||
	    fail "$(cat "$d/out")"
	wait_until "all_gone $pids" 10
}

@test "pdsh -R exec runs rsh HOST COMMAND for each host" {
	# As root a missing pdsh is installed (tests/deps.sh); else skipped.
	if ! command -v pdsh >/dev/null && [ "$(id -u)" -eq 0 ]; then
		sh "$BATS_TEST_DIRNAME/deps.sh" "test pdsh over rsh" pdsh >&2 || true
	fi
	command -v pdsh >/dev/null ||
	    skip "pdsh is not installed and cannot be installed here (apt-get install pdsh, as root)"
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/bin"
	ln -s "$RSH" "$d/bin/rsh"
	run -0 env PATH="$d/bin:$PATH" RSH_KEY="$RSH_KEYFILE" RSH_PORT="$RSHD_PORT" \
	    pdsh -R exec -w '127.0.0.[1-4]' rsh %h 'echo ok'
	run -0 sort <<<"$output"
	assert_output "$(printf '127.0.0.%s: ok\n' 1 2 3 4)"
	# -S: pdsh exits with the largest of rsh's statuses.
	run -3 env PATH="$d/bin:$PATH" RSH_KEY="$RSH_KEYFILE" RSH_PORT="$RSHD_PORT" \
	    pdsh -S -R exec -w '127.0.0.[1-2]' rsh %h 'exit 3'
}
