#!/usr/bin/env bats
# rsh -w against real hosts: network namespaces, each with its own
# address and its own rshd, joined by a bridge in a client namespace;
# one host is down, one holds another key, one address has no host at
# all; rcp -w and --gather across them (h1's and h2's keys have copy= a
# tree of their own, since the namespaces share one file system).  Then the scale test: one rshd in a namespace answers on all of
# 127/8 and rsh fans out to 1,000 addresses with bounded fds and memory.
# Root only (ip netns); skipped with the reason otherwise.

bats_require_minimum_version 1.5.0
load helpers

NET=10.66.0

# bats 1.8 (Debian 12) counts a skip in setup_file as a failure: the
# reason goes to each test's setup instead.
setup_file() {
	NETNS_SKIP=$(netns_skip_reason)
	export NETNS_SKIP
	[ -z "$NETNS_SKIP" ] || return 0
	NS=rshfo$$
	export NS
	ip netns add "${NS}c" || return 1
	make_keys "$BATS_FILE_TMPDIR/key" || return 1
	RSH_KEYFILE=$BATS_FILE_TMPDIR/key/key
	export RSH_KEYFILE
	ip -n "${NS}c" link set lo up
	ip -n "${NS}c" link add br0 type bridge
	ip -n "${NS}c" addr add "$NET.1/24" dev br0
	ip -n "${NS}c" link set br0 up
	# h1, h2: our key; h3: a key of the same name, other bytes; h4: no
	# rshd at all.
	for i in 1 2 3 4; do
		make_host "$i" || return 1
	done
	make_keys "$BATS_FILE_TMPDIR/h3" test
	for i in 1 2; do
		mkdir -p "$BATS_FILE_TMPDIR/h$i/root"
		echo "h$i" >"$BATS_FILE_TMPDIR/h$i/root/id"
		(umask 077 && printf '%s copy="%s"\n' \
		    "$(cat "$BATS_FILE_TMPDIR/key/keys")" \
		    "$BATS_FILE_TMPDIR/h$i/root" >"$BATS_FILE_TMPDIR/h$i/keys") ||
		    return 1
	done
	for i in 1 2 3; do
		local keys=$BATS_FILE_TMPDIR/h$i/keys
		ns_rshd "${NS}h$i" "$BATS_FILE_TMPDIR/h$i" "$keys" \
		    -l 0.0.0.0 || return 1
	done
	{
		for i in 1 2 3; do
			printf 'Host h%s\n    HostName %s.1%s\n    Port %s\n' \
			    "$i" "$NET" "$i" "$(cat "$BATS_FILE_TMPDIR/h$i/port")"
		done
		printf 'Host h4\n    HostName %s.14\n' "$NET"
		printf 'Host gone\n    HostName %s.99\n' "$NET"
		printf 'Host *\n    Key %s\n    ConnectTimeout 1\n' "$RSH_KEYFILE"
	} >"$BATS_FILE_TMPDIR/config"
}

# make_host N: namespace hN at $NET.1N, on the client's bridge.
make_host() {
	local h=${NS}h$1
	ip netns add "$h" &&
	    ip -n "${NS}c" link add "v$1" type veth peer name eth0 netns "$h" &&
	    ip -n "${NS}c" link set "v$1" master br0 up &&
	    ip -n "$h" addr add "$NET.1$1/24" dev eth0 &&
	    ip -n "$h" link set eth0 up &&
	    ip -n "$h" link set lo up
}

# ns_rshd NS DIR KEYS ARG...: rshd in NS as start_rshd starts it; its
# pid in DIR/rshd.pid, its port in DIR/port.
ns_rshd() {
	local ns=$1 dir=$2 keys=$3 pid
	shift 3
	mkdir -p "$dir"
	# ip netns exec execs: the pid is rshd's.
	ip netns exec "$ns" env --default-signal=INT,QUIT "$RSHD" -f none -D -p 0 \
	    --port-file "$dir/port" $RSHD_NO_UDP -k "$keys" \
	    -o PermitRootCommands=yes -o ShutdownGrace=0 "$@" \
	    </dev/null >>"$dir/rshd.log" 2>&1 3>&- &
	pid=$!
	echo "$pid" >"$dir/rshd.pid"
	if ! wait_until "[ -s '$dir/port' ] || ! proc_alive $pid" 10 ||
	    ! [ -s "$dir/port" ]; then
		echo "rshd in $ns did not start:" >&2
		cat "$dir/rshd.log" >&2
		return 1
	fi
}

teardown_file() {
	local f rc=0 n
	# Skipped before anything was made: nothing of ours to remove.
	[ -n "${NS:-}" ] || return 0
	for f in "$BATS_FILE_TMPDIR"/*/rshd.pid; do
		[ -f "$f" ] || continue
		stop_rshd "$(cat "$f")" || rc=1
		if grep -qE 'Sanitizer|runtime error:' "${f%/*}/rshd.log"; then
			rc=1
		fi
	done
	for n in c h1 h2 h3 h4 s; do
		ip netns del "${NS}$n" 2>/dev/null || true
	done
	return "$rc"
}

setup() {
	[ -z "${NETNS_SKIP:-}" ] || skip "$NETNS_SKIP"
}

teardown() {
	show_logs_on_failure
}

# in_client CMD...: CMD in the client's namespace.
in_client() {
	ip netns exec "${NS}c" "$@"
}

@test "hosts in their own namespaces: a down host, a wrong key and no host give the summary and 255" {
	run -255 --separate-stderr in_client "$RSH" -F "$BATS_FILE_TMPDIR/config" \
	    -w 'h[1-4],gone' 'ip -4 -o addr show dev eth0 | awk "{ print \$4 }"'
	run -0 sort <<<"$output"
	# Each command ran in its own host's namespace.
	assert_output "$(printf 'h1: %s.11/24\nh2: %s.12/24' "$NET" "$NET")"
	local last=${stderr##*$'\n'}
	[[ $stderr == *"rsh: h3:"*": authentication failed for key 'test'"* ]] ||
	    fail "stderr: $stderr"
	[[ $stderr == *"rsh: h4:2222: connection refused"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"rsh: gone:2222: connection timed out after 1 s"* ]] ||
	    fail "stderr: $stderr"
	[[ $last == "rsh: 3 of 5 hosts failed: "* ]] || fail "summary: $last"
	for h in "h3 (authentication failed for key 'test')" \
	    "h4 (connection refused)" "gone (connection timed out after 1 s)"; do
		[[ $last == *"$h"* ]] || fail "no '$h' in: $last"
	done
}

@test "per-host ports from the config; --json names each namespace host" {
	run -0 --separate-stderr in_client "$RSH" -F "$BATS_FILE_TMPDIR/config" \
	    -w 'h[1-2]' --json 'echo "$RSH_CLIENT"'
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/json"
	run -0 python3 - "$NET" "$BATS_FILE_TMPDIR" "$BATS_TEST_TMPDIR/json" <<'EOF'
import json, sys
net, d = sys.argv[1], sys.argv[2]
objs = {o["host"]: o for o in map(json.loads, open(sys.argv[3]))}
assert sorted(objs) == ["h1", "h2"], objs
for h, o in objs.items():
    assert o["status"] == 0 and o["error"] is None, o
    assert o["port"] == int(open("%s/%s/port" % (d, h)).read()), o
    assert o["stdout"].startswith(net + ".1 "), o
print("ok")
EOF
	assert_output ok
}

@test "rcp -w to namespace hosts and --gather from them; the down host is named" {
	local t=$BATS_TEST_TMPDIR h
	head -c 200000 /dev/urandom >"$t/f"
	chmod 600 "$t/f"
	run -255 --separate-stderr in_client "$RSH_BUILD/rcp" -F "$BATS_FILE_TMPDIR/config" \
	    -w 'h[1-2],h4' -p "$t/f" up
	for h in h1 h2; do
		cmp "$t/f" "$BATS_FILE_TMPDIR/$h/root/up"
		assert_equal "$(stat -c %a "$BATS_FILE_TMPDIR/$h/root/up")" 600
	done
	[[ $stderr == *"rsh: h4:2222: connection refused"* ]] || fail "$stderr"
	[[ ${stderr##*$'\n'} == "rcp: 1 of 3 hosts failed: h4 (failed, said above)" ]] ||
	    fail "summary: $stderr"
	mkdir "$t/got"
	run -0 in_client "$RSH_BUILD/rcp" -F "$BATS_FILE_TMPDIR/config" -w 'h[1-2]' \
	    --gather -p id up "$t/got"
	for h in h1 h2; do
		assert_equal "$(cat "$t/got/$h/id")" "$h"
		cmp "$t/f" "$t/got/$h/up"
		assert_equal "$(stat -c %a "$t/got/$h/up")" 600
	done
}

# peak_fds PID: the most fds PID held, sampled until it ends.
peak_fds() {
	local pid=$1 max=0 n
	while [ -d "/proc/$pid/fd" ]; do
		n=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
		((n > max)) && max=$n
		sleep 0.01
	done
	echo "$max"
}

# fan_scale LIST OUT: rsh -w LIST -f 32 echo ok in the scale namespace
# under `ulimit -n 64` and GNU time; OUT.out, OUT.err, OUT.time, OUT.fds,
# and OUT.base: the fds rsh starts with (what it inherits).  Under ASan
# the quarantine of freed memory is kept small, or it alone would grow
# with the number of hosts.
fan_scale() {
	local list=$1 out=$2 pid
	(
		ulimit -n 64
		exec 3>&-
		# ls's own directory fd is not inherited.
		echo $(($(ls /proc/self/fd | wc -l) - 1)) >"$out.base"
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 \
		    exec ip netns exec "${NS}s" /usr/bin/time -v -o "$out.time" \
		    "$RSH" -k "$RSH_KEYFILE" -p "$SCALE_PORT" -v -w "$list" \
		    -f 32 echo ok >"$out.out" 2>"$out.err"
	) &
	pid=$!
	# time's child is rsh.
	wait_until "[ -n \"\$(children_of $pid)\" ] || ! proc_alive $pid" 10
	peak_fds "$(children_of "$pid" | head -1)" >"$out.fds"
	wait "$pid"
}

# rss_kb OUT: rsh's peak RSS as GNU time measured it.
rss_kb() {
	awk -F': ' '/Maximum resident set size/ { print $2 }' "$1.time"
}

@test "1,000 targets on 127.0.[0-3].[1-250]: every host's line, at most 32 connections, bounded fds and RSS" {
	# GNU time measures the peak RSS; installed when missing (as root).
	[ -x /usr/bin/time ] || sh "$BATS_TEST_DIRNAME/deps.sh" \
	    "measure rsh's RSS" time >&2 || true
	[ -x /usr/bin/time ] ||
	    skip "GNU time is not installed and cannot be installed here (apt-get install time)"
	local d=$BATS_TEST_TMPDIR peak
	ip netns add "${NS}s"
	ip -n "${NS}s" link set lo up
	ns_rshd "${NS}s" "$BATS_FILE_TMPDIR/s" "$BATS_FILE_TMPDIR/key/keys" \
	    -l 0.0.0.0 -o MaxConnections=1000 -o MaxUnauthenticated=1000 \
	    -o MaxUnauthenticatedPerSource=1000
	SCALE_PORT=$(cat "$BATS_FILE_TMPDIR/s/port")
	fan_scale '127.0.[0-3].[1-250]' "$d/big" ||
	    fail "rsh failed: $(tail -5 "$d/big.err")"
	# Every host exactly once, each with its line.
	[ "$(wc -l <"$d/big.out")" -eq 1000 ] || fail "$(wc -l <"$d/big.out") lines"
	run -0 diff <(sort "$d/big.out") <(for a in 0 1 2 3; do for b in $(seq 1 250); do
	    echo "127.0.$a.$b: ok"; done; done | sort)
	run -0 tail -1 "$d/big.err"
	assert_output --regexp '^rsh: 1000 hosts in [0-9.]+ ms, at most 32 at once$'
	peak=$(($(cat "$d/big.fds") - $(cat "$d/big.base")))
	echo "peak fds $peak above the inherited, RSS $(rss_kb "$d/big") kB"
	# 32 sockets, the signalfd, a key or config file being read.
	((peak <= 32 + 3)) || fail "peak fds $peak above the inherited"
	# Half the list: the memory must not grow with the list's length.
	fan_scale '127.0.[0-1].[1-250]' "$d/half" || fail "$(tail -5 "$d/half.err")"
	echo "500 targets: RSS $(rss_kb "$d/half") kB"
	local slack=4096
	[[ $(basename "$RSH_BUILD") != *asan* ]] || slack=16384
	(($(rss_kb "$d/big") <= $(rss_kb "$d/half") + slack)) ||
	    fail "RSS $(rss_kb "$d/big") kB for 1000, $(rss_kb "$d/half") kB for 500"
}
