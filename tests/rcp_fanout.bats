#!/usr/bin/env bats
# rcp -w (one copy to many hosts) and rcp -w --gather (from many into
# DIR/HOST/) on loopback: three rshd on 127.0.0.2, .3 and .4 stand for
# the hosts alpha, beta and gamma, named to their ports and keys by a
# client config.  Each key has copy= its own tree, so that the hosts,
# which share this file system, each have a place of their own: the
# relative DEST "up" is alpha/root/up on alpha.  "down" is an address
# where nothing listens.  tests/fanout_netns.bats does the same across
# network namespaces when it can.

bats_require_minimum_version 1.5.0
load helpers

HOSTS="alpha:127.0.0.2 beta:127.0.0.3 gamma:127.0.0.4"

setup_file() {
	local f=$BATS_FILE_TMPDIR h
	for h in $HOSTS; do
		mkdir -p "$f/${h%%:*}/root"
		echo "${h%%:*}" >"$f/${h%%:*}/root/id"
		RSHD_LISTEN=${h#*:} keyed_rshd "$f/${h%%:*}" \
		    "copy=\"$f/${h%%:*}/root\"" || return 1
		printf 'Host %s\n\tHostName %s\n\tPort %s\n\tKey %s\n' \
		    "${h%%:*}" "${h#*:}" "$(cat "$f/${h%%:*}/port")" \
		    "$f/${h%%:*}/key" >>"$f/config"
	done
	printf 'Host down\n\tHostName 127.0.0.9\n\tPort 1\n\tKey %s\n' \
	    "$f/alpha/key" >>"$f/config"
	export CONFIG=$f/config ROOTS=$f
}

teardown_file() {
	local h rc=0
	for h in $HOSTS; do
		stop_rshd "$(cat "$BATS_FILE_TMPDIR/${h%%:*}/rshd.pid")" || rc=1
		if grep -qE 'Sanitizer|runtime error:' \
		    "$BATS_FILE_TMPDIR/${h%%:*}/rshd.log"; then
			rc=1
		fi
	done
	return "$rc"
}

teardown() {
	show_logs_on_failure
}

rcp() {
	"$RSH_BUILD/rcp" -F "$CONFIG" "$@"
}

@test "rcp -w copies a file and a tree to every host, modes kept with -p" {
	local t=$BATS_TEST_TMPDIR h
	mkdir -p "$t/tree/sub"
	head -c 300000 /dev/urandom >"$t/f"
	chmod 640 "$t/f"
	echo leaf >"$t/tree/sub/leaf"
	run -0 rcp -w 'alpha,beta,gamma' -p "$t/f" up
	assert_output ""
	run -0 rcp -w 'alpha,beta,gamma' -f 2 -r "$t/tree" .
	for h in alpha beta gamma; do
		cmp "$t/f" "$ROOTS/$h/root/up"
		assert_equal "$(stat -c %a "$ROOTS/$h/root/up")" 640
		cmp "$t/tree/sub/leaf" "$ROOTS/$h/root/tree/sub/leaf"
	done
}

@test "rcp -w --gather copies from every host into DIR/HOST/" {
	local t=$BATS_TEST_TMPDIR h
	mkdir -p "$t/got"
	chmod 604 "$ROOTS/beta/root/id"
	run -0 rcp -w 'alpha,beta,gamma' --gather -p id "$t/got"
	for h in alpha beta gamma; do
		assert_equal "$(cat "$t/got/$h/id")" "$h"
	done
	assert_equal "$(stat -c %a "$t/got/beta/id")" 604
	chmod 644 "$ROOTS/beta/root/id"
	# Again: the host directories are there, the files replaced.
	run -0 rcp -w 'alpha,beta' -X beta --gather id "$t/got"
	assert_equal "$(cat "$t/got/alpha/id")" alpha
}

@test "rcp -w: a failing host among good ones is named, the others are copied" {
	local t=$BATS_TEST_TMPDIR h
	echo x >"$t/g"
	run -255 --separate-stderr rcp -w 'alpha,down,gamma' "$t/g" gone
	cmp "$t/g" "$ROOTS/alpha/root/gone"
	cmp "$t/g" "$ROOTS/gamma/root/gone"
	[[ $stderr == *"down:1: connection refused"* ]] || fail "$stderr"
	[[ ${stderr##*$'\n'} == "rcp: 1 of 3 hosts failed: down (failed, said above)" ]] ||
	    fail "summary: $stderr"
	# A file only two hosts have: the third says so and exits 1.
	mkdir -p "$t/got"
	echo b >"$ROOTS/beta/root/only"
	echo g >"$ROOTS/gamma/root/only"
	run -1 --separate-stderr rcp -w 'alpha,beta,gamma' --gather only "$t/got"
	[[ $stderr == *"rcp: alpha: "*"only"* ]] || fail "$stderr"
	[[ ${stderr##*$'\n'} == "rcp: 1 of 3 hosts failed: alpha (some entries failed, said above)" ]] ||
	    fail "summary: $stderr"
	assert_equal "$(cat "$t/got/beta/only")" b
	assert_equal "$(cat "$t/got/gamma/only")" g
	[ ! -e "$t/got/alpha/only" ]
}

@test "rcp -w --json gives one summary object per host" {
	local t=$BATS_TEST_TMPDIR
	head -c 5000 /dev/urandom >"$t/j"
	run -255 --separate-stderr rcp -w 'alpha,beta,down' --json "$t/j" j
	printf '%s\n' "$output" >"$t/out"
	run -0 python3 - "$t/out" <<'EOF'
import json, sys
recs = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    recs[o["host"]] = o
assert sorted(recs) == ["alpha", "beta", "down"], recs
for h in ("alpha", "beta"):
    assert recs[h]["status"] == 0 and recs[h]["bytes"] == 5000, recs[h]
    assert recs[h]["direction"] == "to", recs[h]
assert recs["down"]["status"] == 255, recs
EOF
	mkdir -p "$t/got"
	run -0 --separate-stderr rcp -w 'alpha,beta' --gather --json j "$t/got"
	run -0 python3 -c 'import json, sys
recs = [json.loads(l) for l in sys.argv[1].splitlines()]
assert sorted(r["host"] for r in recs) == ["alpha", "beta"], recs
assert all(r["direction"] == "from" and r["bytes"] == 5000 for r in recs), recs' "$output"
}

@test "rcp --gather refuses host names that are not one path component" {
	local t=$BATS_TEST_TMPDIR n
	mkdir -p "$t/got"
	for n in .. . a/b '../x'; do
		run -255 rcp -w "alpha,$n" --gather id "$t/got"
		assert_output --partial "the host name '$n' cannot be a directory name"
	done
	run -0 find "$t/got" -mindepth 1
	assert_output ""
	run -0 find "$t" -maxdepth 1 -name 'x*'
	assert_output ""
}

@test "rcp -w refuses HOST: operands and a missing DIR; --gather needs -w" {
	local t=$BATS_TEST_TMPDIR
	echo x >"$t/f"
	run -255 rcp -w alpha "$t/f" alpha:up
	assert_output --partial "with -w, name paths only"
	run -255 rcp -w alpha --gather id "$t/nodir"
	assert_output --partial "$t/nodir: No such file or directory"
	run -255 rcp --gather "alpha:id" "$t"
	assert_output --partial "go with -w"
	run -255 rcp -w alpha -f 0 "$t/f" up
	assert_output --partial "-f 0"
}

@test "rcp -w shows each host's progress only on a terminal" {
	local t=$BATS_TEST_TMPDIR
	echo x >"$t/p"
	run -0 rcp -w 'alpha,beta' "$t/p" p
	refute_output --partial "done"
	printf '%s\n' "$RSH_BUILD/rcp -F $CONFIG -w alpha,beta $t/p p" >"$t/cmd"
	run -0 script -qec "sh $t/cmd" /dev/null
	assert_output --partial "alpha: done"
	assert_output --partial "beta: done"
}

@test "rcp -w and --gather: memory stays flat in the size of the file" {
	[[ $(basename "$RSH_BUILD") != *asan* ]] ||
	    skip "ASan reserves far more address space than ulimit -v allows"
	local t=$BATS_TEST_TMPDIR h
	truncate -s 100M "$t/big"
	mkdir -p "$t/got"
	# 96 MiB of address space for rcp, each worker and each rsh: less
	# than the file.
	run -0 bash -c "ulimit -v 98304 && exec \"\$0\" -F \"$CONFIG\" \
	    -w alpha,beta,gamma \"$t/big\" big" "$RSH_BUILD/rcp"
	run -0 bash -c "ulimit -v 98304 && exec \"\$0\" -F \"$CONFIG\" \
	    -w alpha,beta,gamma --gather big \"$t/got\"" "$RSH_BUILD/rcp"
	for h in alpha beta gamma; do
		assert_equal "$(stat -c %s "$t/got/$h/big")" $((100 * 1024 * 1024))
		rm -f "$ROOTS/$h/root/big" "$t/got/$h/big"
	done
	rm -f "$t/big"
}
