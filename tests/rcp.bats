#!/usr/bin/env bats
# rcp: files and trees to and from a host through rshd's copy helper;
# what a key's copy= and no-copy allow; and every hostile stream a server
# could send (scp's CVE-2019-6111 and CVE-2020-12062 among them), played
# by a fake rsh (rcp -S) that writes a crafted stream.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	rsh_setup_file -o "AuditLog=$BATS_FILE_TMPDIR/srv/audit.log"
	export AUDIT=$BATS_FILE_TMPDIR/srv/audit.log
	RCP=$RSH_BUILD/rcp
	EVIL=$BATS_FILE_TMPDIR/evil
	export RCP EVIL
	# evil: a "server" that ignores its arguments and writes the copy
	# stream named by $SCENARIO (see docs/PROTOCOL.md, "The copy
	# stream").
	cat >"$EVIL" <<'PY'
#!/usr/bin/env python3
import os, struct, sys
def s16(b): return struct.pack('>H', len(b)) + b
def F(n, size, mode=0o644): return b'F' + struct.pack('>IqIQ', mode, 0, 0, size) + s16(n)
def D(b): return b'D' + struct.pack('>I', len(b)) + b
def E(st=0): return b'E' + bytes([st])
def d(n, mode=0o755): return b'd' + struct.pack('>IqI', mode, 0, 0) + s16(n)
def l(n, t): return b'l' + struct.pack('>qI', 0, 0) + s16(n) + s16(t)
M, U, Z = b'rcp1', b'u', b'z'
out = os.environ.get('OUTSIDE', '/nonexistent').encode()
s = {
    'good': M + F(b'f', 3) + D(b'new') + E() + Z,
    'dotdot': M + F(b'../f', 3) + D(b'bad') + E() + Z,
    'absolute': M + F(out + b'/f', 3) + D(b'bad') + E() + Z,
    'renamed': M + F(b'.bashrc', 3) + D(b'bad') + E() + Z,
    'extra': M + F(b'f', 3) + D(b'new') + E() + F(b'g', 3) + D(b'bad') + E() + Z,
    'dir': M + d(b'f') + F(b'x', 3) + D(b'bad') + E() + U + Z,
    'dot': M + d(b'f') + d(b'.') + F(b'x', 3) + D(b'bad') + E() + U + U + Z,
    'short': M + F(b'f', 10) + D(b'bad') + E() + Z,
    'long': M + F(b'f', 2) + D(b'bad') + E() + Z,
    'cut': M + F(b'f', 10) + D(b'12345'),
    'banner': b'Welcome to host\n' + M + F(b'f', 3) + D(b'bad') + E() + Z,
    'hang': M + F(b'f', 10) + D(b'12345'),
    'linkout': M + d(b'f') + l(b'esc', out) + d(b'esc') + F(b'x', 3) + D(b'bad') + E() + U + U + Z,
}[os.environ['SCENARIO']]
sys.stdout.buffer.write(s)
if os.environ['SCENARIO'] == 'hang':
    # Half a file, then wait to be killed with rcp, our parent.
    import ctypes, signal
    sys.stdout.flush()
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    if os.getppid() == 1:
        sys.exit(1)
    signal.pause()
PY
	chmod +x "$EVIL"
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
	rsh_teardown
}

rcp() {
	"$RCP" -k "$RSH_KEYFILE" -P "$RSHD_PORT" "$@"
}

# rcp_to DIR ARG...: rcp with the key and port of the rshd started in DIR.
rcp_at() {
	local d=$1
	shift
	"$RCP" -k "$d/key" -P "$(cat "$d/port")" "$@"
}

# mtime FILE, mode FILE
mtime() { stat -c %Y "$1"; }
mode() { stat -c %a "$1"; }

@test "rcp copies a file to a host and back" {
	local t=$BATS_TEST_TMPDIR
	head -c 300000 /dev/urandom >"$t/f"
	run -0 rcp "$t/f" "127.0.0.1:$t/to"
	cmp "$t/f" "$t/to"
	mkdir "$t/back"
	run -0 rcp "127.0.0.1:$t/to" "$t/back/"
	cmp "$t/f" "$t/back/to"
	# A second copy replaces the file.
	echo new >"$t/f"
	run -0 rcp "$t/f" "127.0.0.1:$t/to"
	assert_equal "$(cat "$t/to")" new
	assert_rshd_at_baseline
}

@test "rcp -r copies a tree both ways, its links as links" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/src/a/b" "$t/up" "$t/down"
	echo one >"$t/src/a/one"
	echo two >"$t/src/a/b/two"
	: >"$t/src/empty"
	ln -s ../one "$t/src/a/b/link"
	run -0 rcp -r "$t/src" "127.0.0.1:$t/up"
	diff -r "$t/src" "$t/up/src"
	assert_equal "$(readlink "$t/up/src/a/b/link")" ../one
	run -0 rcp -r "127.0.0.1:$t/up/src" "$t/down/copy"
	diff -r "$t/src" "$t/down/copy"
	[ -L "$t/down/copy/a/b/link" ]
	# Without -r a directory is refused, and said.
	run -1 rcp "$t/src" "127.0.0.1:$t/up/x"
	assert_output --partial "is a directory (copy it with -r)"
}

@test "rcp -p keeps modes and times; without it a new file takes the umask" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/d" "$t/p" "$t/n"
	echo x >"$t/d/f"
	chmod 741 "$t/d/f"
	chmod 750 "$t/d"
	touch -d '2001-02-03 04:05:06' "$t/d/f" "$t/d"
	run -0 rcp -r -p "$t/d" "127.0.0.1:$t/p"
	assert_equal "$(mode "$t/p/d/f")" 741
	assert_equal "$(mode "$t/p/d")" 750
	assert_equal "$(mtime "$t/p/d/f")" "$(mtime "$t/d/f")"
	assert_equal "$(mtime "$t/p/d")" "$(mtime "$t/d")"
	run -0 rcp -p "127.0.0.1:$t/d/f" "$t/p/back"
	assert_equal "$(mode "$t/p/back")" 741
	assert_equal "$(mtime "$t/p/back")" "$(mtime "$t/d/f")"
	(umask 077 && "$RCP" -k "$RSH_KEYFILE" -P "$RSHD_PORT" \
	    "127.0.0.1:$t/d/f" "$t/n/f")
	assert_equal "$(mode "$t/n/f")" 700
	[ "$(mtime "$t/n/f")" != "$(mtime "$t/d/f")" ]
	# A file replaced without -p keeps its own mode.
	echo old >"$t/n/g"
	chmod 604 "$t/n/g"
	run -0 rcp "127.0.0.1:$t/d/f" "$t/n/g"
	assert_equal "$(mode "$t/n/g")" 604
}

@test "rcp puts several sources into a directory, and refuses a non-directory" {
	local t=$BATS_TEST_TMPDIR
	echo 1 >"$t/a"
	echo 2 >"$t/b"
	mkdir "$t/dir"
	run -0 rcp "$t/a" "$t/b" "127.0.0.1:$t/dir"
	assert_equal "$(cat "$t/dir/a" "$t/dir/b")" "$(printf '1\n2')"
	run -1 rcp "$t/a" "$t/b" "127.0.0.1:$t/nodir"
	assert_output --partial "nodir"
	[ ! -e "$t/nodir" ]
	mkdir "$t/back"
	run -0 rcp "127.0.0.1:$t/a" "127.0.0.1:$t/b" "$t/back"
	assert_equal "$(cat "$t/back/a" "$t/back/b")" "$(printf '1\n2')"
	run -255 rcp "127.0.0.1:$t/a" "127.0.0.1:$t/b" "$t/back/none"
	assert_output --partial "not a directory"
}

@test "rcp: a missing source is said, the others are copied, exit 1" {
	local t=$BATS_TEST_TMPDIR
	echo 1 >"$t/a"
	mkdir "$t/dir" "$t/back"
	run -1 rcp "$t/a" "$t/nope" "127.0.0.1:$t/dir"
	assert_output --partial "nope: No such file or directory"
	[ -f "$t/dir/a" ]
	run -1 rcp "127.0.0.1:$t/nope" "127.0.0.1:$t/a" "$t/back"
	assert_output --partial "nope: No such file or directory"
	[ -f "$t/back/a" ]
}

@test "rcp refuses usage errors with 255" {
	run -255 rcp onlyone
	assert_output --partial "usage: rcp"
	run -255 rcp a b
	assert_output --partial "one side must be HOST:PATH"
	run -255 rcp h1:a h2:b "$BATS_TEST_TMPDIR"
	assert_output --partial "different hosts"
	run -255 rcp 127.0.0.1:/ "$BATS_TEST_TMPDIR"
	assert_output --partial "name it by a path that ends in a name"
}

# evil SCENARIO ARG...: rcp from the fake server.
evil() {
	local sc=$1
	shift
	SCENARIO=$sc OUTSIDE=$BATS_TEST_TMPDIR/outside "$RCP" -S "$EVIL" "$@"
}

# The destination holds only its old file f: nothing else, no temporary.
only_old_file() {
	assert_equal "$(cat "$1/f")" old
	assert_equal "$(ls -A "$1")" f
	[ ! -e "$BATS_TEST_TMPDIR/outside" ] && [ ! -e "$1/../f" ]
}

@test "rcp copies what the fake server sends when it is right" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -0 evil good h:f "$t/in"
	assert_equal "$(cat "$t/in/f")" new
}

@test "rcp refuses a name with .. from the server (CVE-2019-6111)" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -255 evil dotdot h:f "$t/in"
	assert_output --partial "malformed copy stream: a name that is not one path component"
	only_old_file "$t/in"
}

@test "rcp refuses an absolute name from the server" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -255 evil absolute h:f "$t/in"
	assert_output --partial "not one path component"
	only_old_file "$t/in"
}

@test "rcp refuses a name it did not ask for, or more entries (CVE-2019-6111)" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -255 evil renamed h:f "$t/in"
	assert_output --partial "an entry named '.bashrc' where 'f' was asked for"
	only_old_file "$t/in"
	[ ! -e "$t/in/.bashrc" ]
	run -255 evil extra h:f "$t/in"
	assert_output --partial "more entries than were asked for"
	[ ! -e "$t/in/g" ]
}

@test "rcp refuses a directory it did not ask for, and '.' (CVE-2020-12062)" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -255 evil dir h:f "$t/in/g"
	assert_output --partial "not asked for (no -r)"
	[ ! -e "$t/in/g" ]
	run -255 evil dot -r h:f "$t/in/g"
	assert_output --partial "not one path component"
	[ ! -e "$t/in/x" ]
}

@test "rcp refuses sizes that do not match the data; the old file stays" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -255 evil short h:f "$t/in"
	assert_output --partial "a file that ended at 3 of its 10 bytes"
	only_old_file "$t/in"
	run -255 evil long h:f "$t/in"
	assert_output --partial "more data than the file's size"
	only_old_file "$t/in"
}

@test "an interrupted copy leaves the old file and no temporary" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -255 evil cut h:f "$t/in"
	assert_output --partial "the stream ended before its end record"
	only_old_file "$t/in"
	# The server's side: a stream cut short on its stdin.
	python3 -c 'import struct, sys
sys.stdout.buffer.write(b"rcp1F" + struct.pack(">IqIQ", 0o644, 0, 0, 10)
    + b"\x00\x01fD\x00\x00\x00\x0512345")' >"$t/cut"
	run -2 rsh_cmd -x 127.0.0.1 rsh-copy -t -- "$t/in" <"$t/cut"
	assert_output --partial "the stream ended before its end record"
	only_old_file "$t/in"
}

@test "rcp killed mid-file leaves the old file and nothing else" {
	local t=$BATS_TEST_TMPDIR pid
	mkdir "$t/in"
	echo old >"$t/in/f"
	SCENARIO=hang "$RCP" -S "$EVIL" h:f "$t/in" 3>&- &
	pid=$!
	# Half the file is written: rcp holds it open (with no name).
	wait_until "ls -l /proc/$pid/fd 2>/dev/null | grep -q '$t/in/'"
	kill -KILL "$pid"
	wait "$pid" || true
	only_old_file "$t/in"
}

# copy_pid N: the pid of rshd's copy helper after the first N it logged
# (rshd's word, not a guess from ps), once logged.
copy_pid() {
	wait_until "[ \$(grep -c 'runs rsh-copy as pid' '$RSHD_DIR/rshd.log') \
	    -gt $1 ]" 10
	grep 'runs rsh-copy as pid' "$RSHD_DIR/rshd.log" |
	    sed -n "$(($1 + 1))s/.* as pid \([0-9]*\).*/\1/p"
}

# term_mid_copy SIDE: a 1 GiB copy of src/big over dst/big (old), to the
# host (SIDE host) or from it (SIDE local), and once its data reaches dst
# (a file there held by rshd's copy helper, or by rcp), TERM to rcp: it
# sends it on and exits 143, the copy helper dies by TERM, and dst holds
# only the old file.
term_mid_copy() {
	local t=$BATS_TEST_TMPDIR n cp pid rc=0 holder
	mkdir "$t/src" "$t/dst"
	echo old >"$t/dst/big"
	truncate -s 1G "$t/src/big"
	n=$(grep -c 'runs rsh-copy as pid' "$RSHD_DIR/rshd.log" || true)
	if [ "$1" = host ]; then
		set -- "$t/src/big" "127.0.0.1:$t/dst/"
	else
		set -- "127.0.0.1:$t/src/big" "$t/dst"
	fi
	"$RCP" -k "$RSH_KEYFILE" -P "$RSHD_PORT" "$@" 2>"$t/err" 3>&- &
	pid=$!
	cp=$(copy_pid "$n")
	holder=$pid
	[ "${2#127.0.0.1:}" = "$2" ] || holder=$cp
	until ls -l "/proc/$holder/fd" 2>/dev/null | grep -q "$t/dst/"; do
		kill -0 "$holder"
	done
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 143 ] || { cat "$t/err" >&2; false; }
	wait_until "grep -q 'pid $cp killed by signal 15' '$RSHD_DIR/rshd.log'"
	assert_equal "$(cat "$t/dst/big")" old
	assert_equal "$(ls -A "$t/dst")" big
}

@test "rcp stopped by TERM passes it to the host's copy and exits 143; the old file stays" {
	# Once the host's copy writes the file (data flows, so rcp has heard
	# that it started): rcp sends TERM on and waits, as rsh does.
	term_mid_copy host
}

@test "rcp HOST:FILE stopped by TERM exits 143, and leaves only the old file" {
	# Once data arrives (rcp holds the new file, unnamed).
	term_mid_copy local
}

@test "what a host writes on stdout while rcp sends never reaches rcp's stdout" {
	local t=$BATS_TEST_TMPDIR d=$BATS_TEST_TMPDIR/fake
	mkdir -p "$d"
	echo data >"$t/f"
	# A fake rshd whose every command says "ok" on stdout and exits 0
	# (before it has read the stream: rcp then says it stopped reading).
	"$RSH_BUILD/tools/fakersh" -k "$RSHD_DIR/keys" -P "$d/port" busy 0 \
	    </dev/null >"$d/log" 2>&1 3>&- &
	FAKE_PID=$!
	wait_until "[ -s '$d/port' ]" 10
	run -255 --separate-stderr "$RCP" --json -k "$RSH_KEYFILE" \
	    -P "$(cat "$d/port")" "$t/f" "127.0.0.1:$t/g"
	refute_output --partial ok
	run -0 python3 -c 'import json, sys
o = json.loads(sys.argv[1])
assert o["direction"] == "to" and o["status"] == 255, o' "$output"
}

@test "rcp refuses a stream that is not rsh-copy's (a banner, a forced command)" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	run -255 evil banner h:f "$t/in"
	assert_output --partial "does not begin as rsh-copy's does"
	only_old_file "$t/in"
}

@test "rcp refuses a hostile stream on its own connection and ends it at once" {
	local t=$BATS_TEST_TMPDIR d=$BATS_TEST_TMPDIR/fake
	mkdir -p "$t/in" "$d"
	echo old >"$t/in/f"
	# The dotdot stream, from a fake rshd (tests/tools/fakersh) that then
	# never ends the command: rcp must end the connection itself.
	SCENARIO=dotdot "$EVIL" >"$t/stream"
	FAKERSH_STDOUT=$t/stream "$RSH_BUILD/tools/fakersh" \
	    -k "$RSHD_DIR/keys" -P "$d/port" stdout </dev/null >"$d/log" \
	    2>&1 3>&- &
	FAKE_PID=$!
	wait_until "[ -s '$d/port' ]" 10
	run -255 timeout "$(scaled 10)" "$RCP" -k "$RSH_KEYFILE" \
	    -P "$(cat "$d/port")" 127.0.0.1:f "$t/in"
	assert_output --partial "not one path component"
	only_old_file "$t/in"
}

@test "rcp never follows a link the server made: entries below it are refused" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in" "$t/outside"
	run -1 evil linkout -r h:f "$t/in"
	assert_output --partial "cannot open it as a directory"
	[ -L "$t/in/f/esc" ]
	[ -z "$(ls -A "$t/outside")" ]
}

@test "the server's helper refuses .. and / names in what it receives" {
	local t=$BATS_TEST_TMPDIR
	mkdir "$t/in"
	echo old >"$t/in/f"
	SCENARIO=dotdot python3 "$EVIL" >"$t/s"
	run -2 rsh_cmd -x 127.0.0.1 rsh-copy -t -- "$t/in" <"$t/s"
	assert_output --partial "not one path component"
	only_old_file "$t/in"
}

@test "the server's helper splices a large file's data, record by record" {
	strace_or_skip
	local t=$BATS_TEST_TMPDIR
	head -c 8388608 /dev/urandom >"$t/big"
	mkdir "$t/to"
	"$RSHD" --copy-helper -- -f -- "$t/big" >"$t/stream"
	# cat writes ahead of the records' bounds, as rshd does: each read
	# of the helper's ends inside the next record unless it stops at
	# the header, and then no record is ever spliced.
	cat "$t/stream" | ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -c -o "$t/calls" "$RSHD" --copy-helper -- -t -- "$t/to/"
	cmp "$t/big" "$t/to/big"
	# 129 data records, all but the last of about 64 KiB: the data of
	# nearly every one is spliced.
	run -0 awk '$NF == "splice" { n = $4 } END { print n + 0 }' "$t/calls"
	[ "$output" -ge 120 ]
}

@test "the audit log records each copy: direction, paths, account, bytes" {
	local t=$BATS_TEST_TMPDIR
	head -c 100000 /dev/urandom >"$t/f"
	run -0 rcp "$t/f" "127.0.0.1:$t/audited"
	run -0 python3 - "$AUDIT" "$t/audited" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = [x for x in recs if x.get('event') == 'exit' and sys.argv[2] in x.get('argv', [])][-1]
assert r['argv'][:2] == ['rsh-copy', '-t'], r
assert r['bytes_in'] > 100000, r
print('ok', r['bytes_in'])
PY
}

@test "rcp shows progress only on a terminal, and not with -q" {
	local t=$BATS_TEST_TMPDIR
	head -c 200000 /dev/urandom >"$t/f"
	run -0 rcp "$t/f" "127.0.0.1:$t/g"
	refute_output --partial "MiB/s"
	printf '%s\n' "$RCP -k $RSH_KEYFILE -P $RSHD_PORT $t/f 127.0.0.1:$t/h" >"$t/cmd"
	run -0 script -qec "sh $t/cmd" /dev/null
	assert_output --partial "MiB/s"
	printf '%s\n' "$RCP -q -k $RSH_KEYFILE -P $RSHD_PORT $t/f 127.0.0.1:$t/i" >"$t/cmd"
	run -0 script -qec "sh $t/cmd" /dev/null
	refute_output --partial "MiB/s"
	cmp "$t/f" "$t/i"
}

@test "rcp -s and -v pass through; rcp --help says how" {
	local t=$BATS_TEST_TMPDIR
	echo x >"$t/f"
	run -0 rcp -s -v "$t/f" "127.0.0.1:$t/g"
	cmp "$t/f" "$t/g"
	run -0 "$RCP" --help
	assert_output --partial "usage: rcp"
}

@test "rcp copies over a connection of its own, starting no rsh; -S still runs one" {
	strace_or_skip
	local t=$BATS_TEST_TMPDIR
	echo x >"$t/f"
	# (LeakSanitizer cannot run under ptrace: off for these calls.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run -0 strace -f -e trace=execve -o "$t/to" \
	    "$RCP" -k "$RSH_KEYFILE" -P "$RSHD_PORT" "$t/f" "127.0.0.1:$t/g"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run -0 strace -f -e trace=execve -o "$t/from" \
	    "$RCP" -k "$RSH_KEYFILE" -P "$RSHD_PORT" "127.0.0.1:$t/g" "$t/h"
	cmp "$t/f" "$t/g"
	cmp "$t/f" "$t/h"
	# rcp's own execve, and no other.
	run -0 grep -c 'execve(' "$t/to" "$t/from"
	assert_output "$t/to:1
$t/from:1"
	# -S: the program named runs rsh's part (here rsh itself).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run -0 strace -f -e trace=execve -o "$t/s" \
	    "$RCP" -S "$RSH" -k "$RSH_KEYFILE" -P "$RSHD_PORT" "$t/f" \
	    "127.0.0.1:$t/i"
	cmp "$t/f" "$t/i"
	run -0 grep -c "execve(\"$RSH\"" "$t/s"
	assert_output 1
}

@test "rcp passes -F, -o, -l and user@ on to rsh" {
	local t=$BATS_TEST_TMPDIR
	echo x >"$t/f"
	printf 'Host fromconf\n\tHostName 127.0.0.1\n\tPort %s\n\tKey %s\n' \
	    "$RSHD_PORT" "$RSH_KEYFILE" >"$t/config"
	run -0 "$RCP" -F "$t/config" "$t/f" "fromconf:$t/g"
	cmp "$t/f" "$t/g"
	run -0 "$RCP" -F none -o "Port=$RSHD_PORT" -o "Key=$RSH_KEYFILE" \
	    "$t/f" "127.0.0.1:$t/h"
	cmp "$t/f" "$t/h"
	# The key has no user=: only rshd's own account (root) is allowed.
	run -255 rcp -l nosuchuser "$t/f" "127.0.0.1:$t/i"
	assert_output --partial "may not run commands as 'nosuchuser'"
	run -255 rcp "$t/f" "nosuchuser@127.0.0.1:$t/i"
	assert_output --partial "may not run commands as 'nosuchuser'"
	[ ! -e "$t/i" ]
}

@test "rcp --json gives one summary: host, direction, status, bytes" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/d/s" "$t/back"
	head -c 70000 /dev/urandom >"$t/d/a"
	head -c 5000 /dev/urandom >"$t/d/s/b"
	run -0 --separate-stderr rcp --json -r "$t/d" "127.0.0.1:$t/up"
	run -0 python3 -c 'import json, sys
o = json.loads(sys.argv[1])
assert o["host"] == "127.0.0.1" and o["direction"] == "to", o
assert o["status"] == 0 and o["bytes"] == 75000, o
assert o["duration_ms"] >= 0, o' "$output"
	run -1 --separate-stderr rcp --json "127.0.0.1:$t/d/a" \
	    "127.0.0.1:$t/nope" "$t/back"
	run -0 python3 -c 'import json, sys
o = json.loads(sys.argv[1])
assert o["direction"] == "from" and o["status"] == 1, o
assert o["bytes"] == 70000, o' "$output"
}

@test "rcp's memory stays flat in the size of the file" {
	[[ $(basename "$RSH_BUILD") != *asan* ]] ||
	    skip "ASan reserves far more address space than ulimit -v allows"
	local t=$BATS_TEST_TMPDIR
	truncate -s 300M "$t/big"
	# 96 MiB of address space for rcp and its rsh: a third of the file.
	run -0 bash -c "ulimit -v 98304 && exec \"\$0\" -k \"$RSH_KEYFILE\" \
	    -P $RSHD_PORT \"$t/big\" 127.0.0.1:$t/big2" "$RCP"
	run -0 bash -c "ulimit -v 98304 && exec \"\$0\" -k \"$RSH_KEYFILE\" \
	    -P $RSHD_PORT 127.0.0.1:$t/big2 \"$t/big3\"" "$RCP"
	assert_equal "$(stat -c %s "$t/big3")" $((300 * 1024 * 1024))
	rm -f "$t/big" "$t/big2" "$t/big3"
}

# keyed OPTIONS: an rshd of its own whose key has OPTIONS, in
# $BATS_TEST_TMPDIR/k; prints nothing.
keyed() {
	keyed_rshd "$BATS_TEST_TMPDIR/k" "$1"
}

@test "a key with command= or allow= refuses copies; no-copy refuses them all" {
	local t=$BATS_TEST_TMPDIR
	echo x >"$t/f"
	keyed 'command="echo hi"'
	run -255 rcp_at "$t/k" "$t/f" "127.0.0.1:$t/g"
	assert_output --partial "key 'test' may not copy files: it may run only its command= command (a copy=\"DIR\" option would allow copies within DIR)"
	stop_test_rshds
	rm -rf "$t/k"
	keyed 'allow="echo *"'
	run -255 rcp_at "$t/k" "127.0.0.1:$t/f" "$t/h"
	assert_output --partial "may run only its allow= commands"
	stop_test_rshds
	rm -rf "$t/k"
	keyed 'no-copy'
	run -255 rcp_at "$t/k" "$t/f" "127.0.0.1:$t/g"
	assert_output --partial "key 'test' may not copy files (its no-copy option)"
	[ ! -e "$t/g" ] && [ ! -e "$t/h" ]
}

@test "copy= lets a command= key copy within its trees, and nowhere else" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/root/sub" "$t/outside" "$t/back"
	echo x >"$t/f"
	echo secret >"$t/outside/secret"
	keyed "command=\"echo hi\",copy=\"$t/root\""
	run -0 rcp_at "$t/k" "$t/f" "127.0.0.1:$t/root/g"
	cmp "$t/f" "$t/root/g"
	# A relative path is taken from the first tree.
	run -0 rcp_at "$t/k" "$t/f" "127.0.0.1:sub/h"
	cmp "$t/f" "$t/root/sub/h"
	run -0 rcp_at "$t/k" "127.0.0.1:sub/h" "$t/back/"
	cmp "$t/f" "$t/back/h"
	# Outside, by name, by .., from or to.
	run -1 rcp_at "$t/k" "$t/f" "127.0.0.1:$t/outside/f"
	assert_output --partial "outside the directories this key may copy"
	run -1 rcp_at "$t/k" "$t/f" "127.0.0.1:$t/root/../outside/f"
	assert_output --partial "outside the directories this key may copy"
	run -1 rcp_at "$t/k" "$t/f" "127.0.0.1:../outside/f"
	assert_output --partial "outside the directories this key may copy"
	run -1 rcp_at "$t/k" "127.0.0.1:$t/outside/secret" "$t/back/"
	assert_output --partial "outside the directories this key may copy"
	run -1 rcp_at "$t/k" "127.0.0.1:$t/rootx/secret" "$t/back/"
	assert_output --partial "outside the directories this key may copy"
	[ ! -e "$t/outside/f" ]
	[ ! -e "$t/back/secret" ]
	# The forced command still runs for anything else.
	run -0 "$RSH" -k "$t/k/key" -p "$(cat "$t/k/port")" 127.0.0.1 ls
	assert_output hi
}

@test "copy=: a symbolic link in the tree, or a directory replaced by one, never leads out" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/root/d" "$t/outside" "$t/back"
	echo x >"$t/f"
	echo secret >"$t/outside/secret"
	ln -s "$t/outside" "$t/root/abs"
	ln -s ../outside "$t/root/rel"
	ln -s "$t/outside/secret" "$t/root/file"
	keyed "copy=\"$t/root\""
	for l in abs rel; do
		run -1 rcp_at "$t/k" "$t/f" "127.0.0.1:$t/root/$l/f"
		assert_output --partial "outside the directories this key may copy"
		run -1 rcp_at "$t/k" "127.0.0.1:$t/root/$l/secret" "$t/back/"
		assert_output --partial "outside the directories this key may copy"
	done
	run -1 rcp_at "$t/k" "127.0.0.1:$t/root/file" "$t/back/"
	[ ! -e "$t/back/file" ]
	[ ! -e "$t/back/secret" ]
	[ ! -e "$t/outside/f" ]
	# Sent with -r a link below the path is a link, never followed.
	run -0 rcp_at "$t/k" -r "127.0.0.1:$t/root" "$t/back/tree"
	[ -L "$t/back/tree/abs" ]
	[ -L "$t/back/tree/file" ]
	# A directory swapped for a link to the outside before the copy
	# (the race a check-then-open would lose): refused, not followed.
	rmdir "$t/root/d"
	ln -s "$t/outside" "$t/root/d"
	run -1 rcp_at "$t/k" "$t/f" "127.0.0.1:$t/root/d/f"
	[ ! -e "$t/outside/f" ]
	run -1 rcp_at "$t/k" -r "$t/root/../f" "127.0.0.1:d"
	[ ! -e "$t/outside/f" ]
}

@test "copy=: the client cannot add a root of its own (-R in its words)" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/root" "$t/outside"
	echo secret >"$t/outside/secret"
	keyed "copy=\"$t/root\""
	run -2 "$RSH" -k "$t/k/key" -p "$(cat "$t/k/port")" -x 127.0.0.1 \
	    rsh-copy -f -R / -- "$t/outside/secret"
	assert_output --partial "rsh-copy: usage"
	refute_output --partial secret
}

@test "a key option copy= that is not absolute is refused at load" {
	local t=$BATS_TEST_TMPDIR
	run ! keyed 'copy="relative/dir"'
	grep -q "option 'copy': 'relative/dir' is not an absolute directory" "$t/k/rshd.log"
}
