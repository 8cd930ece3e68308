#!/usr/bin/env bats
# Standard input, output and error: separation, volume, end of file, and
# commands whose children keep the pipes open.

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

@test "stdout and stderr come back on rsh's stdout and stderr" {
	run -3 --separate-stderr rsh_cmd -n 127.0.0.1 \
	    'echo out; echo err >&2; echo out2; exit 3'
	assert_output "$(printf 'out\nout2')"
	[ "$stderr" = err ] || fail "stderr: '$stderr'"
}

@test "3 MB on stderr arrives intact while stdout flows too" {
	local d=$BATS_TEST_TMPDIR
	rsh_cmd -n 127.0.0.1 'seq 1 450000 >&2 & seq 1 100000; wait' \
	    >"$d/out" 2>"$d/err"
	[ "$(wc -c <"$d/err")" -ge 3000000 ]
	[ "$(sha256sum <"$d/err")" = "$(seq 1 450000 | sha256sum)" ] ||
	    fail "stderr differs: $(head -c 200 "$d/err")"
	[ "$(sha256sum <"$d/out")" = "$(seq 1 100000 | sha256sum)" ] ||
	    fail "stdout differs: $(head -c 200 "$d/out")"
}

@test "stderr written after the command closes stdout still arrives" {
	run -4 --separate-stderr rsh_cmd -n 127.0.0.1 \
	    'exec 1>&-; sleep 0.2; echo err >&2; exit 4'
	assert_output ""
	[ "$stderr" = err ] || fail "stderr: '$stderr'"
}

@test "20 MB through stdin come back unchanged (sha256)" {
	local d=$BATS_TEST_TMPDIR
	head -c 20000000 /dev/urandom >"$d/in"
	rsh_cmd 127.0.0.1 cat <"$d/in" >"$d/out"
	[ "$(sha256sum <"$d/out")" = "$(sha256sum <"$d/in")" ] ||
	    fail "got $(wc -c <"$d/out") bytes that differ"
}

@test "the command's stdin pipe holds 1 MiB, as its stdout pipe does" {
	command -v python3 >/dev/null || skip "no python3 to ask F_GETPIPE_SZ"
	# 1032 is F_GETPIPE_SZ: a 64 KiB pipe wakes rshd and the command
	# once per record of stdin.
	run -0 bash -c 'echo x | "$@"' _ "$RSH" -k "$RSH_KEYFILE" \
	    -p "$RSHD_PORT" 127.0.0.1 "python3 -c 'import fcntl; \
	    print(fcntl.fcntl(0, 1032), fcntl.fcntl(1, 1032))'"
	assert_output "1048576 1048576"
}

@test "stdin reaches the command and ends at rsh's end of file" {
	run -0 bash -c 'printf "b\na\nc\n" | "$@"' _ "$RSH" -k "$RSH_KEYFILE" \
	    -p "$RSHD_PORT" 127.0.0.1 sort
	assert_output "$(printf 'a\nb\nc')"
}

@test "-n gives the command an empty stdin without reading rsh's" {
	run -0 timeout "$(scaled 10)" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n \
	    127.0.0.1 'wc -c' </dev/zero
	assert_output 0
}

@test "a closed stdin gives the command an empty stdin" {
	local st=0
	# Not under run: its output pipe would take the free fd 0.
	timeout "$(scaled 10)" "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
	    'wc -c' >"$BATS_TEST_TMPDIR/out" 2>&1 <&- || st=$?
	run cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 0 ] || fail "rsh exited $st"
	assert_output 0
}

@test "stdin from /dev/null reaches the command as /dev/null, a pipe as a pipe" {
	run -0 rsh_cmd 127.0.0.1 'readlink /proc/self/fd/0' </dev/null
	assert_output /dev/null
	run -0 sh -c 'echo | "$@"' sh "$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" \
	    127.0.0.1 'readlink /proc/self/fd/0; cat'
	assert_line --index 0 --regexp '^pipe:'
}

@test "rsh host yes | head -n 2 returns promptly and the remote yes is gone" {
	local m t0 t
	m=$(unique_marker)
	t0=$(now_ms)
	run -0 bash -c '"$@" | head -n 2' _ timeout "$(scaled 20)" "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n -x 127.0.0.1 yes "$m"
	t=$(($(now_ms) - t0))
	assert_output "$(printf '%s\n%s' "$m" "$m")"
	((t < $(scaled 5000))) || fail "took ${t} ms"
	wait_until "[ -z \"\$(remote_pids $m)\" ]" 10
}

@test "sleep 10 & echo x returns at once with x" {
	local t0 t
	t0=$(now_ms)
	# The background sleep outlasts the bound however slow the build.
	run -0 --separate-stderr timeout "$(scaled 20)" "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "sleep $(scaled 10) & echo x"
	t=$(($(now_ms) - t0))
	assert_output x
	((t < $(scaled 3000))) || fail "took ${t} ms"
}

@test "a background child holding the output is cut with an 'output cut' warning" {
	local t0 t
	t0=$(now_ms)
	run -0 --separate-stderr timeout "$(scaled 20)" "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n -x 127.0.0.1 sh -c \
	    "sleep $(scaled 10) & echo x"
	t=$(($(now_ms) - t0))
	assert_output x
	[[ $stderr == *"output cut"* ]] || fail "stderr: '$stderr'"
	((t < $(scaled 3000))) || fail "took ${t} ms"
}

@test "a background child holding only stderr is cut too" {
	run -0 --separate-stderr timeout "$(scaled 20)" "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    'sleep 10 >/dev/null & echo x'
	assert_output x
	[[ $stderr == *"output cut"* ]] || fail "stderr: '$stderr'"
}

@test "the server sends OUTPUT_CUT just before EXIT" {
	run -0 probe exec-sh 'sleep 10 & echo x' read
	assert_line --index 2 STARTED
	assert_line --index 3 'STDOUT x\n'
	assert_line --index 4 --regexp '^ERROR 8 '
	assert_line --index 5 'EXIT 0 0'
	[ "${#lines[@]}" -eq 6 ] || fail "more lines than expected"
}

@test "a background job with its output redirected ends without a warning" {
	local t0 t
	t0=$(now_ms)
	run -0 --separate-stderr timeout "$(scaled 20)" "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    "sleep $(scaled 10) >/dev/null 2>&1 & echo x"
	t=$(($(now_ms) - t0))
	assert_output x
	[ -z "$stderr" ] || fail "stderr: '$stderr'"
	((t < $(scaled 3000))) || fail "took ${t} ms"
}

@test "a background process that keeps writing cannot hold EXIT back" {
	local t0 t
	t0=$(now_ms)
	run -0 --separate-stderr timeout "$(scaled 20)" "$RSH" \
	    -k "$RSH_KEYFILE" -p "$RSHD_PORT" -n 127.0.0.1 \
	    '(while :; do echo bg; done) & echo x'
	t=$(($(now_ms) - t0))
	[[ $stderr == *"output cut"* ]] || fail "stderr: '$stderr'"
	((t < $(scaled 5000))) || fail "took ${t} ms"
}

@test "a background writer faster than a slow client cannot hold EXIT back" {
	local t0 t
	t0=$(now_ms)
	# The reader takes 64 KiB every 10 ms: the queue to it stays full.
	run -0 --separate-stderr timeout "$(scaled 40)" sh -c '"$0" -k "$1" -p "$2" -n \
	    127.0.0.1 "yes & sleep 0.2" |
	    while [ "$(head -c 65536 | wc -c)" -gt 0 ]; do sleep 0.01; done' \
	    "$RSH" "$RSH_KEYFILE" "$RSHD_PORT"
	t=$(($(now_ms) - t0))
	[[ $stderr == *"output cut"* ]] || fail "stderr: '$stderr'"
	((t < $(scaled 20000))) || fail "took ${t} ms"
}

@test "output still in the pipes at exit reaches a slow reader in full" {
	run -0 --separate-stderr timeout "$(scaled 30)" sh -c '"$0" -k "$1" -p "$2" -n \
	    127.0.0.1 "head -c 3000000 /dev/zero; head -c 500000 /dev/zero >&2" |
	    { sleep 1; wc -c; }' "$RSH" "$RSH_KEYFILE" "$RSHD_PORT"
	assert_output 3000000
	[[ $stderr != *"output cut"* ]] || fail "stderr: '$stderr'"
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
