#!/usr/bin/env bats
# AuditLog: one JSON object per line, read by a strict parser: a start and
# an exit record for every command, one for every refusal and failed
# authentication; whole under many threads and on a full disk, reopened on
# SIGHUP.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	export RSHD_NO_UDP=
	rsh_setup_file -o "AuditLog=$BATS_FILE_TMPDIR/srv/audit.log"
	export AUDIT=$BATS_FILE_TMPDIR/srv/audit.log
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	local m
	rsh_teardown
	# After rshd, which holds its audit log there, has stopped.
	if [ -f "$BATS_TEST_TMPDIR/mounts" ]; then
		while read -r m; do
			umount "$m" || echo "cannot unmount $m" >&2
		done <"$BATS_TEST_TMPDIR/mounts"
	fi
}

# small_fs DIR: a 256 KiB tmpfs at DIR, unmounted in teardown; skips
# unless root can mount one.
small_fs() {
	[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs to fill needs root"
	mkdir -p "$1"
	mount -t tmpfs -o size=256k,mode=0700 rsh-audit-test "$1" ||
	    skip "mount -t tmpfs failed"
	echo "$1" >>"$BATS_TEST_TMPDIR/mounts"
}

# fill_fs DIR: takes every free block of DIR's file system.
fill_fs() {
	dd if=/dev/zero of="$1/fill" bs=4096 2>/dev/null || true
	! dd if=/dev/zero of="$1/fill2" bs=1 count=1 2>/dev/null
}

# lost_count LOG: the records rshd's log says were lost, summed.
lost_count() {
	python3 -c 'import re, sys
print(sum(int(n) for n in re.findall(r"; (\d+) (?:more )?records? lost",
    open(sys.argv[1]).read())))' "$1"
}

# audit_field MARK FIELD [EVENT]: FIELD of the last record (other than a
# start record, unless EVENT says which) whose command or argv mentions
# MARK, as JSON.  Every line of the file must parse as strict JSON.
audit_field() {
	python3 - "${AUDIT_FILE:-$AUDIT}" "$1" "$2" "${3:-}" <<'EOF'
import json, sys
path, mark, field, event = sys.argv[1:5]
found = None
for line in open(path, encoding="utf-8", errors="strict"):
    r = json.loads(line)
    text = r.get("command") or " ".join(r.get("argv") or [])
    if mark in text and (r["event"] == event or
                         (not event and r["event"] != "start")):
        found = r
if found is None:
    sys.exit("no record mentions " + mark)
print(json.dumps(found.get(field)))
EOF
}

# audit_ended MARK: the exit or refused record of MARK's command is there.
audit_ended() {
	audit_field "$1" event >/dev/null 2>&1
}

# audit_strict [FILE]: every line of the audit log is strict JSON (UTF-8
# that decodes, no NaN, nothing after the object).
audit_strict() {
	python3 -c 'import json, sys
def no_const(c): raise ValueError("not JSON: " + c)
for n, l in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        json.loads(l.decode("utf-8", "strict"), parse_constant=no_const)
    except Exception as e:
        sys.exit("line %d: %s: %r" % (n, e, l[:120]))' "${1:-$AUDIT}"
}

@test "a command's line: time, connection, peer, key, account, command, pid, exit, bytes" {
	local m
	m=$(unique_marker)
	run -3 rsh_cmd 127.0.0.1 "cat; echo $m; exit 3" <<<"four"
	wait_until "audit_ended '$m'" 5
	run -0 audit_field "$m" event
	assert_output '"exit"'
	run -0 audit_field "$m" transport
	assert_output '"tcp"'
	run -0 audit_field "$m" peer
	assert_output '"127.0.0.1"'
	run -0 audit_field "$m" key
	assert_output '"test"'
	run -0 audit_field "$m" account
	assert_output "\"$(id -un)\""
	run -0 audit_field "$m" command
	assert_output "\"cat; echo $m; exit 3\""
	run -0 audit_field "$m" exit
	assert_output 3
	run -0 audit_field "$m" bytes_in
	assert_output 5
	run -0 audit_field "$m" bytes_out
	assert_output $((5 + ${#m} + 1))
	run -0 audit_field "$m" pid
	[ "$output" -gt 1 ]
	run -0 python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]
r = json.loads(open(sys.argv[1]).readlines()[-1])
assert r["time"].endswith("Z") and r["conn"] > 0 and r["port"] > 0
assert r["duration_ms"] >= 0' "$AUDIT"
}

@test "an exit record says the CPU time and peak memory the command used" {
	local m
	m=$(unique_marker)
	# 64 MiB held, then a quarter second of CPU, in one process.
	run -0 rsh_cmd 127.0.0.1 "perl -e '\$x = \"a\" x (64 << 20);
	    1 while (times)[0] < 0.25' $m"
	wait_until "audit_ended '$m'" 5
	run -0 audit_field "$m" maxrss_kib
	[ "$output" -ge 65536 ]
	[ "$output" -lt 262144 ]
	run -0 audit_field "$m" cpu_ms
	python3 -c 'import sys; assert 250 <= float(sys.argv[1]) < 60000' \
	    "$output"
	# A small command's peak is small: the figure is its own, not rshd's.
	run -0 rsh_cmd 127.0.0.1 "true $m-small"
	wait_until "audit_ended '$m-small'" 5
	run -0 audit_field "$m-small" maxrss_kib
	[ "$output" -gt 0 ]
	[ "$output" -lt 16384 ]
	# A refusal ran nothing, so it has neither.
	run -0 probe exec-env LANG=C "echo $m-env" read
	wait_until "audit_ended '$m-env'" 5
	run -0 audit_field "$m-env" cpu_ms
	assert_output null
}

@test "an argv is recorded whole and escaped, never cut" {
	local m long
	m=$(unique_marker)
	long=$(printf 'x%.0s' $(seq 1 300))
	run -0 rsh_cmd -n -x 127.0.0.1 printf '%s' "$m" "$(printf 'tab\tq"\377')" "$long"
	wait_until "audit_ended '$m'" 5
	run -0 audit_field "$m" argv
	assert_output "[\"printf\", \"%s\", \"$m\", \"tab\\tq\\\"\\u00ff\", \"$long\"]"
}

@test "a killed command records its signal; a refusal its reason" {
	local m
	m=$(unique_marker)
	run -143 rsh_cmd -n -x 127.0.0.1 sh -c "kill -TERM \$\$; : $m"
	wait_until "audit_ended '$m'" 5
	run -0 audit_field "$m" signal
	assert_output 15
	run -0 probe exec-env LANG=C "echo $m-env" read
	wait_until "audit_ended '$m-env'" 5
	run -0 audit_field "$m-env" event
	assert_output '"refused"'
	run -0 audit_field "$m-env" refused
	assert_output --partial "environment variable LANG is not accepted"
}

@test "UDP commands and failed authentications are recorded too" {
	local m d=$BATS_TEST_TMPDIR/wrong
	m=$(unique_marker)
	run -0 rsh_cmd -u -n 127.0.0.1 "echo $m"
	wait_until "audit_ended '$m'" 5
	run -0 audit_field "$m" transport
	assert_output '"udp"'
	make_keys "$d" intruder
	run -255 "$RSH" -k "$d/key" -p "$RSHD_PORT" -n 127.0.0.1 true
	wait_until "grep -q '\"auth_failed\".*intruder' '$AUDIT'" 5
	grep '"auth_failed"' "$AUDIT" | tail -1 | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["key"] == "intruder" and r["why"] == "unknown key id", r'
}

@test "twenty commands at once give forty whole lines, a start and an exit each" {
	local m i pids=()
	m=$(unique_marker)
	for ((i = 0; i < 20; i++)); do
		rsh_cmd -n 127.0.0.1 "echo $m-$i" >/dev/null 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	wait_until "[ \$(grep -c '$m-' '$AUDIT') -eq 40 ]" 10
	run -0 python3 -c 'import json,sys
n = sum(1 for l in open(sys.argv[1]) if sys.argv[2] in json.loads(l).get("command", ""))
print(n)' "$AUDIT" "$m-"
	assert_output 40
	audit_strict
}

@test "SIGHUP reopens the audit log after a rotation" {
	local m
	m=$(unique_marker)
	mv "$AUDIT" "$AUDIT.1"
	kill -HUP "$RSHD_PID"
	wait_until "grep -q 'audit log reopened' '$RSHD_DIR/rshd.log'" 5
	run -0 rsh_cmd -n 127.0.0.1 "echo $m"
	wait_until "audit_ended '$m'" 5
	! grep -q "$m" "$AUDIT.1"
	[ "$(stat -c %a "$AUDIT")" = 600 ]
}

@test "bytes that are not UTF-8 are \u00XX each, and every line is strict JSON" {
	local m
	m=$(unique_marker)
	# Overlong '/', a surrogate, above U+10FFFF, cut short, a control
	# character; then valid 2-, 3- and 4-byte forms.
	run -0 rsh_cmd -n -x 127.0.0.1 printf '%s' "$m" $'\xc0\xaf' \
	    $'\xed\xa0\x80' $'\xf4\x90\x80\x80' $'\xe2\x82' $'\x01' \
	    $'\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80'
	wait_until "audit_ended '$m'" 5
	audit_strict
	run -0 audit_field "$m" argv
	assert_output "[\"printf\", \"%s\", \"$m\", \"\\u00c0\\u00af\", \"\\u00ed\\u00a0\\u0080\", \"\\u00f4\\u0090\\u0080\\u0080\", \"\\u00e2\\u0082\", \"\\u0001\", \"\\u00e9\\u20ac\\ud83d\\ude00\"]"
}

@test "a running command's start record is on disk; its exit record has the same id" {
	local m pid
	m=$(unique_marker)
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" 127.0.0.1 \
	    "echo $m >/dev/null; sleep 30; true" </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	wait_remote "$m" >/dev/null
	audit_strict
	run -0 audit_field "$m" id start
	local id=$output
	[ "$id" -gt 0 ]
	run -0 audit_field "$m" pid start
	assert_output null
	run -1 audit_field "$m" event
	kill "$pid"
	wait "$pid" || true
	wait_until "audit_ended '$m'" 10
	run -0 audit_field "$m" id
	assert_output "$id"
	run -0 audit_field "$m" event
	assert_output '"exit"'
	run -0 audit_field "$m" pid
	[ "$output" -gt 1 ]
}

@test "an IPv4 client of a dual-stack listener is recorded, and sees RSH_CLIENT, as IPv4" {
	[ -r /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6 ||
	    skip "no IPv6 loopback here"
	local d=$BATS_TEST_TMPDIR m
	m=$(unique_marker)
	RSHD_LISTEN=:: start_rshd "$d/srv" -o "AuditLog=$d/audit.log"
	run -0 rsh_cmd -n 127.0.0.1 "echo \$RSH_CLIENT; : $m"
	assert_output --regexp '^127\.0\.0\.1 [0-9]+$'
	export AUDIT_FILE=$d/audit.log
	wait_until "audit_ended '$m'" 5
	run -0 audit_field "$m" peer start
	assert_output '"127.0.0.1"'
	run -0 audit_field "$m" peer
	assert_output '"127.0.0.1"'
}

@test "on a full disk a record is written whole or not at all, and the losses are logged with their count" {
	local d=$BATS_TEST_TMPDIR mnt=$BATS_TEST_TMPDIR/fs m c n lost s pad
	small_fs "$mnt"
	start_rshd "$d/srv" -o "AuditLog=$mnt/audit.log"
	export AUDIT_FILE=$mnt/audit.log
	m=$(unique_marker)
	run -0 rsh_cmd -n 127.0.0.1 "echo $m-before"
	wait_until "audit_ended '$m-before'" 5
	# The log's last block keeps 100 bytes free: a record fits in part.
	s=$(stat -c %s "$mnt/audit.log")
	pad=$(( (4096 - 100 - s % 4096 + 4096) % 4096 ))
	[ "$pad" -ge 12 ] || pad=$((pad + 4096))
	printf '{"pad":"%s"}\n' "$(head -c $((pad - 11)) /dev/zero | tr '\0' x)" \
	    >>"$mnt/audit.log"
	fill_fs "$mnt"
	for c in 0 1 2 3 4 5 6 7 8 9; do
		[ "$(rsh_cmd -n 127.0.0.1 "echo $m-$c")" = "$m-$c" ] ||
		    fail "command $c did not run"
	done
	rm -f "$mnt/fill"
	run -0 rsh_cmd -n 127.0.0.1 "echo $m-after"
	wait_until "audit_ended '$m-after'" 5
	audit_strict "$mnt/audit.log"
	# Each of the ten commands' 20 records is on disk or counted lost.
	n=$(grep -c "$m-[0-9]" "$mnt/audit.log" || true)
	lost=$(lost_count "$d/srv/rshd.log")
	[ "$lost" -gt 0 ] || fail "no record was lost: the disk was not full"
	[ $((n + lost)) -eq 20 ] || fail "$n records written, $lost lost"
	# Said when it began and when it ended, not once a record.
	run grep -c 'audit: ' "$d/srv/rshd.log"
	[ "$output" -le 3 ] || fail "$output audit lines in rshd's log"
	grep -q "audit: cannot write $mnt/audit.log: No space left on device; 1 record lost" "$d/srv/rshd.log"
	grep -q "audit: writing $mnt/audit.log again; [0-9]* more records lost before it could" "$d/srv/rshd.log"
}

@test "AuditRequired yes: a command whose start record cannot be written is refused, and nothing runs" {
	local d=$BATS_TEST_TMPDIR mnt=$BATS_TEST_TMPDIR/fs
	small_fs "$mnt"
	start_rshd "$d/srv" -o "AuditLog=$mnt/audit.log" -o AuditRequired=yes
	fill_fs "$mnt"
	run -255 rsh_cmd -n 127.0.0.1 "touch $d/ran"
	assert_output "rsh: 127.0.0.1:$RSHD_PORT: internal error: the audit log cannot record the command (No space left on device) and the server requires it (AuditRequired); nothing was run"
	[ ! -e "$d/ran" ] || fail "the command ran"
	rm -f "$mnt/fill"
	run -0 rsh_cmd -n 127.0.0.1 "touch $d/ran; echo ran"
	assert_output ran
	[ -e "$d/ran" ]
	audit_strict "$mnt/audit.log"
}

@test "AuditRequired yes without an AuditLog stops rshd, saying why" {
	local d=$BATS_TEST_TMPDIR/srv
	make_keys "$d"
	run -1 "$RSHD" -f none -t -k "$d/keys" -o AuditRequired=yes
	assert_output "rshd: AuditRequired yes needs an AuditLog to write to"
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
