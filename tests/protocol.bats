#!/usr/bin/env bats
# The protocol seen from a raw client (tools/rshprobe): hostile or broken
# input closes only the connection it came on; a malformed EXEC does not
# even do that.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	finish_witness || true
	rsh_teardown
}

# An EXEC of "true" (argv, no shell) and TLVs to build broken ones from.
ARG_TRUE=010000000474727565

# start_witness: a command on another connection that stays in the middle
# of its work until finish_witness, to show that it is left alone.
start_witness() {
	local d=$BATS_TEST_TMPDIR m
	m=$(unique_marker)
	mkfifo "$d/witness.in"
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
	    "read line; echo \"got \$line\"; : $m" <"$d/witness.in" \
	    >"$d/witness.out" 2>&1 3>&- &
	WITNESS_PID=$!
	exec 5>"$d/witness.in"
	wait_remote "$m" >/dev/null
}

# finish_witness: lets the witness finish; fails unless it did so well.
finish_witness() {
	local st=0
	[ -n "${WITNESS_PID:-}" ] || return 0
	# In a subshell: were the witness gone, SIGPIPE would end this test.
	(echo hello >&5) 2>/dev/null || true
	exec 5>&-
	wait "$WITNESS_PID" || st=$?
	WITNESS_PID=
	[ "$st" -eq 0 ] || fail "the other connection's rsh exited $st: \
$(cat "$BATS_TEST_TMPDIR/witness.out")"
	[ "$(cat "$BATS_TEST_TMPDIR/witness.out")" = "got hello" ] ||
	    fail "the other connection got: \
$(cat "$BATS_TEST_TMPDIR/witness.out")"
}

# still_serving: a normal rsh works.
still_serving() {
	run -0 rsh_cmd -n 127.0.0.1 echo still serving
	assert_output "still serving"
}

@test "garbage instead of C1 closes that connection only" {
	start_witness
	run -0 probe c1-garbage 00112233445566778899aabbccddeeff read
	assert_output "$(printf 'S1\nEOF')"
	run -0 probe c1-garbage 525348020474657374 read
	assert_output "$(printf 'S1\nEOF')"
	finish_witness
	still_serving
}

@test "a C1 with a key id of 0 bytes or a bad key id byte gets no S2" {
	# "RSH" 1, idlen 0 / idlen 1 "/", then a name and 96 bytes.
	local tail
	tail=01$(printf '61%.0s' 1)$(printf '00%.0s' $(seq 96))
	run -0 probe c1-garbage 5253480100$tail read
	assert_output "$(printf 'S1\nEOF')"
	run -0 probe c1-garbage 52534801012f$tail read
	assert_output "$(printf 'S1\nEOF')"
	still_serving
}

@test "a truncated C1 and a close leave the server serving" {
	start_witness
	run -0 probe c1-trunc 20 close
	assert_output S1
	run -0 probe c1-trunc 1 close
	assert_output S1
	finish_witness
	still_serving
}

@test "a record with a forged tag closes the connection without a reply" {
	start_witness
	run -0 probe flip 06 0102 read
	assert_output "$(printf 'S1\nS2 0\nEOF')"
	finish_witness
	still_serving
}

@test "a record length outside 17..65553 closes the connection" {
	local len
	for len in 00000000 00000010 00010012 ffffffff; do
		run -0 probe raw "${len}0000000000000000000000000000000000" read
		assert_output "$(printf 'S1\nS2 0\nEOF')"
	done
	still_serving
}

@test "a record of a server-to-client type closes the connection" {
	run -0 probe rec 82 6869 read
	assert_output "$(printf 'S1\nS2 0\nEOF')"
	run -0 probe rec 09 '' read
	assert_output "$(printf 'S1\nS2 0\nEOF')"
	still_serving
}

@test "a record of the wrong size closes the connection" {
	run -0 probe rec 04 0f0f read
	assert_output "$(printf 'S1\nS2 0\nEOF')"
	run -0 probe rec 03 00 read
	assert_output "$(printf 'S1\nS2 0\nEOF')"
	still_serving
}

@test "an EXEC while a command runs closes the connection and kills it" {
	local f=$BATS_TEST_TMPDIR/pid
	run -0 probe exec-sh "echo \$\$ >$f; echo ready; exec sleep 30" \
	    until ready exec-sh 'echo no' read
	assert_output "$(printf 'S1\nS2 0\nSTARTED\nSTDOUT ready\\n\nEOF')"
	wait_until "all_gone $(cat "$f")" 10
}

@test "PING is answered with PONG" {
	run -0 probe ping 0102 exec-sh 'echo ok' read
	assert_output "$(printf 'S1\nS2 0\nPONG 0102\nSTARTED\nSTDOUT ok\\n\nEXIT 0 0')"
}

@test "commands run one after another on one connection" {
	run -0 probe exec-sh 'echo one' read exec-sh 'echo two; exit 3' read
	assert_output "$(printf 'S1\nS2 0\nSTARTED\nSTDOUT one\\n\nEXIT 0 0\nSTARTED\nSTDOUT two\\n\nEXIT 0 3')"
}

@test "a BAD_REQUEST leaves the connection usable" {
	run -0 probe exec-bad read exec-sh 'echo ok' read
	assert_line --index 0 S1
	assert_line --index 1 'S2 0'
	assert_line --index 2 --regexp '^ERROR 1 '
	assert_line --index 3 'EXIT 2 255'
	assert_line --index 4 STARTED
	assert_line --index 5 'STDOUT ok\n'
	assert_line --index 6 'EXIT 0 0'
	[ "${#lines[@]}" -eq 7 ] || fail "more lines than expected"
}

@test "each kind of malformed EXEC gets BAD_REQUEST and EXIT 2 255" {
	local bad
	# no ARG; an unknown tag below 0x80; an unknown FLAGS bit; a TLV that
	# overruns; FLAGS twice; a TIMEOUT of 2 bytes; a CWD with a NUL.
	for bad in 050000000400000001 \
	    ${ARG_TRUE}1000000000 \
	    ${ARG_TRUE}050000000400000008 \
	    01000000107472 \
	    ${ARG_TRUE}050000000400000000050000000400000000 \
	    ${ARG_TRUE}04000000020001 \
	    ${ARG_TRUE}0300000003610062; do
		run -0 probe rec 01 "$bad" read exec-sh 'echo ok' read
		assert_line --index 2 --regexp '^ERROR 1 '
		assert_line --index 3 'EXIT 2 255'
		assert_line --index 5 'STDOUT ok\n'
		assert_line --index 6 'EXIT 0 0'
	done
}

@test "EXEC tags from 0x80 up are ignored" {
	run -0 probe rec 01 "${ARG_TRUE}8000000002abcd" read
	assert_output "$(printf 'S1\nS2 0\nSTARTED\nEXIT 0 0')"
}

@test "stdin sent after STARTED reaches the command until STDIN_EOF" {
	run -0 probe exec-sh 'cat; echo end' started stdin $'a b\n' \
	    stdin $'c\n' eof read
	assert_output "$(printf 'S1\nS2 0\nSTARTED\nSTDOUT a b\\nc\\nend\\n\nEXIT 0 0')"
}

@test "STDIN records that arrive together get one WINDOW for all of them" {
	local x
	x=$(printf '%01000d' 0)
	# One send() of 8 records: rshd opens them in one read of its
	# socket, writes each into the pipe and gives the credit back once.
	run -0 "$RSHPROBE" -w -k "$RSH_KEYFILE" 127.0.0.1 "$RSHD_PORT" \
	    exec-sh 'cat >/dev/null; echo done' started stdin-burst 8 "$x" \
	    eof read
	assert_output "$(printf 'S1\nS2 0\nSTARTED\nWINDOW 8000\nSTDOUT done\\n\nEXIT 0 0')"
}

@test "a SIGNAL record reaches the command's process group" {
	run -0 probe exec-sh 'sleep 30' started signal 15 read
	assert_output "$(printf 'S1\nS2 0\nSTARTED\nEXIT 1 15')"
}

@test "an unauthenticated connection is closed after AuthTimeout" {
	local t0 t
	start_rshd "$BATS_TEST_TMPDIR/srv" -o AuthTimeout=1s
	t0=$(now_ms)
	run -0 probe -t "$(scaled 8000)" c1-trunc 0 read
	t=$(($(now_ms) - t0))
	assert_output "$(printf 'S1\nEOF')"
	((t >= 700 && t < $(scaled 5000))) || fail "closed after ${t} ms"
}

@test "connections beyond MaxUnauthenticatedPerSource are refused as busy" {
	local d=$BATS_TEST_TMPDIR holder
	start_rshd "$d/srv" -o MaxUnauthenticatedPerSource=1
	"$RSHPROBE" -t 20000 -k "$RSH_KEYFILE" 127.0.0.1 "$RSHD_PORT" \
	    c1-trunc 0 read >"$d/holder" 3>&- &
	holder=$!
	wait_until "grep -q S1 '$d/holder'"
	run -0 probe read
	assert_output --regexp '^REFUSED 1( |$)'
	kill "$holder"
	wait "$holder" || true
	wait_until "rsh_cmd -n 127.0.0.1 true 2>/dev/null" 10
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
