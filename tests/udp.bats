#!/usr/bin/env bats
# The UDP variant: one datagram each way, at most once, nothing for anyone
# who cannot OPEN, replies never larger than the client allows.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	export RSHD_NO_UDP=
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	rsh_teardown
}

# field N LINE: the Nth word of a probe's REPLY line.
field() {
	echo "$2" | awk -v n="$1" '{ print $n }'
}

@test "a command over UDP gives its stdout, stderr and exit status" {
	run -3 --separate-stderr rsh_cmd -u 127.0.0.1 'echo out; echo err >&2; exit 3'
	assert_output out
	[ "$stderr" = err ]
}

@test "over UDP: not found is 127, a signal 128+N, stdin is STDIN_DATA" {
	run -127 rsh_cmd -u -n 127.0.0.1 no-such-command-here
	run -143 rsh_cmd -u -n -x 127.0.0.1 sh -c 'kill -TERM $$'
	run -0 rsh_cmd -u 127.0.0.1 'tr a-z A-Z' <<<"hello udp"
	assert_output "HELLO UDP"
}

@test "over UDP the time limit stops the command and says so on stderr" {
	run -143 --separate-stderr rsh_cmd -u -n -m 0.5 127.0.0.1 'sleep 30'
	[[ $stderr == *"rshd: the command ran past its time limit of 500 ms"* ]]
}

@test "a command over UDP on IPv6" {
	[ -r /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6 ||
	    skip "no IPv6 loopback here"
	start_rshd "$BATS_TEST_TMPDIR/srv" -l ::1
	run -0 "$RSH" -u -n -k "$RSH_KEYFILE" "[::1]:$RSHD_PORT" 'echo v6'
	assert_output v6
}

@test "cut output: stdout is a prefix, the reply fits max_reply, rsh exits 255" {
	local want
	want=$(seq 1 5000)
	run -255 --separate-stderr rsh_cmd -u -n --max-reply 512 127.0.0.1 \
	    'seq 1 5000'
	[ -n "$output" ]
	[[ $want == "$output"* ]] || fail "stdout is not a prefix of the output"
	[[ $stderr == *"output cut to fit one reply"* ]]
	run -0 udpprobe -m 512 make 'seq 1 5000' send recv
	local reply
	reply=$(grep '^REPLY' <<<"$output")
	[ "$(field 2 "$reply")" -le 512 ] || fail "reply over max_reply: $reply"
	[ "$(field 5 "$reply")" = 1 ] || fail "stdout cut flag not set: $reply"
}

@test "when both streams overflow stderr keeps a quarter of the budget" {
	# max_reply 1059: a budget of 1000 bytes for output.
	run -0 udpprobe -m 1059 make 'seq 1 2000; seq 1 2000 >&2' send recv
	local reply
	reply=$(grep '^REPLY' <<<"$output")
	[ "$(field 2 "$reply")" -eq 1059 ] || fail "$reply"
	[ "$(field 5 "$reply")" = 3 ] || fail "both cut flags expected: $reply"
	[ "$(field 6 "$reply")" -eq 750 ] || fail "stdout: $reply"
	[ "$(field 7 "$reply")" -eq 250 ] || fail "stderr: $reply"
}

@test "a retried datagram runs once and gets the same bytes" {
	local f=$BATS_TEST_TMPDIR/count
	run -0 udpprobe make "echo x >>$f; wc -l <$f" send recv send recv
	[ "$(grep -c '^REPLY' <<<"$output")" -eq 2 ]
	[ "$(grep '^REPLY' <<<"$output" | sort -u | wc -l)" -eq 1 ] ||
	    fail "the two replies differ"
	[ "$(wc -l <"$f")" -eq 1 ] || fail "the command ran $(wc -l <"$f") times"
}

@test "the same datagram from another port gets nothing" {
	run -0 udpprobe -t 500 make 'echo once' send recv newsock send recv
	assert_line --index 1 --partial 'REPLY '
	assert_line --index 5 NOREPLY
}

@test "eight identical datagrams get at most four replies" {
	run -0 udpprobe make 'echo hi' send recv send send send send send \
	    send send count 1500
	assert_line 'REPLIES 3'
}

@test "garbage, unknown or wrong keys, flipped bits, truncation: no reply" {
	local other=$BATS_TEST_TMPDIR/other
	make_keys "$other" test	# the same key id, another secret
	run -0 udpprobe -t 300 garbage 5253550100 recv \
	    garbage "$(head -c 600 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	    recv trunc 40 recv trunc 465 recv flip all recv
	refute_line --regexp "^REPLY "
	run -0 udpprobe -t 300 -i nosuchkey send recv
	assert_line NOREPLY
	run -0 "$UDPPROBE" -t 300 -k "$other/key" 127.0.0.1 "$RSHD_PORT" \
	    send recv
	assert_line NOREPLY
	run -0 udpprobe -t 300 -m 511 send recv
	assert_line NOREPLY
	# And it still serves.
	run -0 rsh_cmd -u -n 127.0.0.1 'echo alive'
	assert_output alive
	wait_until "grep -q 'udp: dropped' '$RSHD_DIR/rshd.log'" 5
}

@test "a stale timestamp gets how 3, the same bytes again, and runs nothing" {
	local f=$BATS_TEST_TMPDIR/ran
	run -0 udpprobe -s -60000 make "touch $f" send recv send recv
	[ "$(grep '^REPLY' <<<"$output" | sort -u | wc -l)" -eq 1 ]
	[ "$(field 3 "$(grep -m1 '^REPLY' <<<"$output")")" = 3 ]
	[ ! -e "$f" ] || fail "a request outside the clock window ran"
}

@test "a request that waited in the queue never runs twice, even after expiry" {
	local d=$BATS_TEST_TMPDIR/srv f=$BATS_TEST_TMPDIR/ran t0
	start_rshd "$d" -o UdpClockWindow=1s -o UdpWorkers=1
	# The one worker is busy; B, from a clock 1.5 s ahead, waits for it
	# and is inside the window by the time it runs.
	run -0 udpprobe make 'sleep 0.9' send
	t0=$(now_ms)
	run -0 udpprobe -s 1500 make "echo B >>$f" send recv save "$d/b"
	assert_line --regexp '^REPLY [0-9]+ 0 0 '
	# Its entry is gone after twice the window; B's timestamp is still
	# inside the window when it comes again, from another port.
	wait_until "[ \$((\$(now_ms) - $t0)) -ge 2200 ]" 5
	run -0 udpprobe load "$d/b" send recv
	[ "$(wc -l <"$f")" -eq 1 ] || fail "B ran $(wc -l <"$f") times"
	assert_line --regexp '^REPLY [0-9]+ 3 '
}

@test "one request from a clock a day ahead does not lock its key out of UDP" {
	local d=$BATS_TEST_TMPDIR/srv t0
	start_rshd "$d" -o UdpClockWindow=1s
	t0=$(now_ms)
	run -0 udpprobe -s 86400000 make 'echo never' send recv
	assert_line --regexp '^REPLY [0-9]+ 3 '
	# Its entry leaves the cache after twice the window; the key's
	# requests still run.
	wait_until "[ \$((\$(now_ms) - $t0)) -ge 2200 ]" 5
	run -0 udpprobe make 'echo fine' send recv
	assert_line --regexp '^REPLY [0-9]+ 0 0 '
	run -0 rsh_cmd -u -n 127.0.0.1 'echo still'
	assert_output still
}

@test "an unpadded request gets at most three times its size back" {
	run -0 udpprobe -P -m 65000 make 'seq 1 100000' send recv
	local sent got
	sent=$(awk '/^SENT/ { print $2; exit }' <<<"$output")
	got=$(field 2 "$(grep '^REPLY' <<<"$output")")
	[ "$got" -le $((3 * sent)) ] || fail "sent $sent, got $got"
	[ "$(field 5 "$(grep '^REPLY' <<<"$output")")" = 1 ]
}

@test "stdin that does not fit one request is refused before sending" {
	run -255 rsh_cmd -u 127.0.0.1 'wc -c' < <(head -c 70000 /dev/zero)
	assert_output --partial "use TCP"
}

@test "a UDP request for a name the server does not answer to is refused" {
	run -0 udpprobe -n other.example make 'echo no' send recv
	assert_line --partial 'REPLY '
	[ "$(field 3 "$(grep '^REPLY' <<<"$output")")" = 2 ]
	assert_line --partial 'does not answer to that name'
}

@test "10,000 distinct requests keep the replay cache bounded and at most once" {
	local d=$BATS_TEST_TMPDIR/srv f=$BATS_TEST_TMPDIR/ran rss0 rss1 line
	# Under ASan freed memory waits in a quarantine: keep it small, so
	# that RSS shows what rshd holds.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
	    start_rshd "$d" -o UdpReplayEntries=64 -o UdpReplayPerKey=32 \
	    -o UdpReplayMemory=64k
	# A request that ran, kept aside to be replayed after the flood.
	run -0 udpprobe make "echo x >>$f" send recv save "$d/first"
	assert_line --partial 'REPLY '
	# Skewed: every one is answered (how 3) and cached, none runs.  The
	# first 2,000 fill the cache and the allocator; the next 10,000 must
	# not grow rshd any further.
	run -0 udpprobe -s -100000 flood 2000
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$RSHD_PID/status")
	run -0 udpprobe -s -100000 flood 10000
	assert_line 'FLOOD sent 10000'
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$RSHD_PID/status")
	# ASan's allocator keeps freed chunks in its quarantine and caches:
	# it gets more slack; the cache's own bounds are checked below from
	# what rshd reports.
	local slack=2048
	[[ $(basename "$RSH_BUILD") != *asan* ]] || slack=8192
	[ $((rss1 - rss0)) -lt "$slack" ] ||
	    fail "rshd grew from $rss0 to $rss1 kB"
	# Evicted early, the first request may never run again.
	run -0 udpprobe load "$d/first" send recv
	[ "$(field 3 "$(grep '^REPLY' <<<"$output")")" = 3 ] ||
	    fail "a replay after eviction was not refused: $output"
	[ "$(wc -l <"$f")" -eq 1 ]
	run -0 rsh_cmd -u -n 127.0.0.1 'echo still serving'
	# What the cache held at the end, as rshd says when it stops.
	stop_rshd
	line=$(grep 'udp: replay cache:' "$d/rshd.log" | tail -1)
	[ -n "$line" ] || fail "no replay cache line in the log"
	[ "$(awk '{ print $5 }' <<<"$line")" -le 64 ] || fail "$line"
	[ "$(awk '{ print $7 }' <<<"$line")" -le 65536 ] || fail "$line"
	[ "$(awk '{ print $11 }' <<<"$line")" -gt 11000 ] || fail "$line"
}

@test "UDP is off with --no-udp and with UDP no" {
	start_rshd "$BATS_TEST_TMPDIR/a" --no-udp
	run -0 udpprobe -t 300 make 'echo x' send recv
	assert_line NOREPLY
	start_rshd "$BATS_TEST_TMPDIR/b" -o UDP=no
	run -0 udpprobe -t 300 make 'echo x' send recv
	assert_line NOREPLY
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
