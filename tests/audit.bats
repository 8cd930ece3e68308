#!/usr/bin/env bats
# AuditLog: one JSON object per line for every command, refusal and failed
# authentication, whole under many threads, reopened on SIGHUP.

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
	rsh_teardown
}

# audit_field CONN_MARK FIELD: FIELD of the last record whose command or
# argv mentions CONN_MARK, as JSON.
audit_field() {
	python3 - "$AUDIT" "$1" "$2" <<'EOF'
import json, sys
path, mark, field = sys.argv[1:4]
found = None
for line in open(path, encoding="utf-8"):
    r = json.loads(line)
    text = r.get("command") or " ".join(r.get("argv") or [])
    if mark in text:
        found = r
if found is None:
    sys.exit("no record mentions " + mark)
print(json.dumps(found.get(field)))
EOF
}

@test "a command's line: time, connection, peer, key, account, command, pid, exit, bytes" {
	local m
	m=$(unique_marker)
	run -3 rsh_cmd 127.0.0.1 "cat; echo $m; exit 3" <<<"four"
	wait_until "grep -q '$m' '$AUDIT'" 5
	run -0 audit_field "$m" event
	assert_output '"command"'
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

@test "an argv is recorded whole and escaped, never cut" {
	local m long
	m=$(unique_marker)
	long=$(printf 'x%.0s' $(seq 1 300))
	run -0 rsh_cmd -n -x 127.0.0.1 printf '%s' "$m" "$(printf 'tab\tq"\377')" "$long"
	wait_until "grep -q '$m' '$AUDIT'" 5
	run -0 audit_field "$m" argv
	assert_output "[\"printf\", \"%s\", \"$m\", \"tab\\tq\\\"\\\\377\", \"$long\"]"
}

@test "a killed command records its signal; a refusal its reason" {
	local m
	m=$(unique_marker)
	run -143 rsh_cmd -n -x 127.0.0.1 sh -c "kill -TERM \$\$; : $m"
	wait_until "grep -q '$m' '$AUDIT'" 5
	run -0 audit_field "$m" signal
	assert_output 15
	run -0 probe exec-env LANG=C "echo $m-env" read
	wait_until "grep -q '$m-env' '$AUDIT'" 5
	run -0 audit_field "$m-env" event
	assert_output '"refused"'
	run -0 audit_field "$m-env" refused
	assert_output --partial "environment variable LANG is not accepted"
}

@test "UDP commands and failed authentications are recorded too" {
	local m d=$BATS_TEST_TMPDIR/wrong
	m=$(unique_marker)
	run -0 rsh_cmd -u -n 127.0.0.1 "echo $m"
	wait_until "grep -q '$m' '$AUDIT'" 5
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

@test "twenty commands at once give twenty whole lines" {
	local m i pids=()
	m=$(unique_marker)
	for ((i = 0; i < 20; i++)); do
		rsh_cmd -n 127.0.0.1 "echo $m-$i" >/dev/null 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	wait_until "[ \$(grep -c '$m-' '$AUDIT') -eq 20 ]" 10
	run -0 python3 -c 'import json,sys
n = sum(1 for l in open(sys.argv[1]) if sys.argv[2] in json.loads(l).get("command", ""))
print(n)' "$AUDIT" "$m-"
	assert_output 20
}

@test "SIGHUP reopens the audit log after a rotation" {
	local m
	m=$(unique_marker)
	mv "$AUDIT" "$AUDIT.1"
	kill -HUP "$RSHD_PID"
	wait_until "grep -q 'audit log reopened' '$RSHD_DIR/rshd.log'" 5
	run -0 rsh_cmd -n 127.0.0.1 "echo $m"
	wait_until "grep -q '$m' '$AUDIT'" 5
	! grep -q "$m" "$AUDIT.1"
	[ "$(stat -c %a "$AUDIT")" = 600 ]
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
