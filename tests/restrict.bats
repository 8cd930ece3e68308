#!/usr/bin/env bats
# Restricted keys stay restricted: an allow= key runs only the argument
# vectors its patterns match, never through a shell; command= and allow=
# keys get no client-chosen directory and no variables beyond env=; what
# changes how a program loads is never accepted; root needs
# PermitRootCommands whatever its name.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	rsh_setup_file
}

teardown_file() {
	rsh_teardown_file
}

teardown() {
	if [ -f "$BATS_TEST_TMPDIR/account" ]; then
		userdel "$(cat "$BATS_TEST_TMPDIR/account")" 2>/dev/null || true
	fi
	rsh_teardown
}

# test_account SHELL HOME: a throwaway account (root only); prints its name.
test_account() {
	local name="rsht$$$RANDOM"
	useradd --no-create-home --home-dir "$2" --shell "$1" "$name" \
	    >/dev/null 2>&1 || return 1
	echo "$name" >"$BATS_TEST_TMPDIR/account"
	echo "$name"
}

# monitor_rshd: an rshd whose key is the README's monitor, plus a log
# directory, echo, printf and a program that writes the marker file; its
# files under $T: app/x.log, app/.hidden and secret, which only the
# patterns' mistakes could show; bin/uptime, a fake uptime that writes
# the marker.  AcceptEnv LANG, which an allow= key must not take.
monitor_rshd() {
	T=$BATS_TEST_TMPDIR/t
	M=$T/ran
	mkdir -p "$T/app" "$T/bin"
	echo applog >"$T/app/x.log"
	echo SECRET-HIDDEN >"$T/app/.hidden"
	echo SECRET >"$T/secret"
	printf '#!/bin/sh\ntouch %s\n' "$M" >"$T/bin/uptime"
	chmod 755 "$T/bin/uptime" "$T"
	keyed_rshd "$BATS_TEST_TMPDIR/a" \
	    "allow=\"uptime|df -h|df -h /*|systemctl is-active [a-z]*|cat $T/app/*|echo **|printf * **\"" \
	    -o AcceptEnv=LANG -o "AuditLog=$BATS_TEST_TMPDIR/audit.log"
}

# denied OPTS LINE: the restricted key's request is DENIED and nothing
# ran.  OPTS are rsh options (split on blanks); LINE is one shell command
# line, or with -x an argv split on blanks.
denied() {
	local opts=($1) args=()
	if [[ " $1 " == *" -x "* ]]; then
		args=($2)
	elif [ -n "$2" ]; then
		args=("$2")
	fi
	run -255 rsh_cmd -n "${opts[@]}" 127.0.0.1 "${args[@]}"
	assert_output --partial "denied: "
	refute_output --partial SECRET
	refute_output --partial applog
	[ ! -e "$M" ] || fail "'$1' '$2' ran: $M exists"
}

@test "allow= keys: every shell bypass, path trick and option is DENIED, and nothing runs" {
	local row n rows
	monitor_rshd
	rows=(
		"" "df -h; touch $M"
		"" "df -h\$(touch $M >&2)"
		"" "$(printf 'df -h /\ntouch %s' "$M")"
		"" "df -h \`touch $M\`"
		"" "df -h && touch $M"
		"" "df -h || touch $M"
		"" "df -h | touch $M"
		"" "df -h > $M"
		"" "df -h < $M"
		"" "df -h \\; touch $M"
		"" "df -h \$HOME"
		"" "df -h \${IFS}"
		"" "$(printf 'df\t-h')"
		"" "$(printf 'df -h\r')"
		"" "echo *"
		"" "echo ?"
		"" "echo [a]"
		"" "echo 'a'"
		"" "echo \"a\""
		"" "echo a #b"
		"" "echo ~"
		"" "systemctl is-active --host=root@example"
		"" "touch $M"
		"" "$T/bin/uptime"
		"-x" "cat $T/app/../secret"
		"-x" "cat $T/app/.hidden"
		"-x" "cat $T/app/x.log $T/secret"
		"-x" "/bin/cat $T/app/x.log"
		"-x" "$T/bin/uptime"
		"-x" "touch $M"
		"-x" "sh -c touch"
		"-d /" "uptime"
		"-d $T" "echo hi"
		"-e LANG=C" "uptime"
		"-e PATH=$T/bin" "uptime"
		"-e GCONV_PATH=$T" "uptime"
		"-tt" "uptime"
		"-tt" ""
	)
	n=${#rows[@]}
	# (not $i: bats' run uses it)
	for ((row = 0; row < n; row += 2)); do
		denied "${rows[row]}" "${rows[row + 1]}"
	done
	# A NUL never gets that far: the protocol refuses it.
	run -0 probe exec-bad read
	assert_line --partial "ERROR 1"
	# Nothing ran: no start or exit record, only refusals.
	! grep -Eq '"event":"(start|exit)"' "$BATS_TEST_TMPDIR/audit.log" ||
	    fail "a command ran: $(grep -E '"event":"(start|exit)"' "$BATS_TEST_TMPDIR/audit.log")"
	[ "$(grep -c '"event":"refused"' "$BATS_TEST_TMPDIR/audit.log")" -eq \
	    $((n / 2 + 1)) ] || fail "$(cat "$BATS_TEST_TMPDIR/audit.log")"
}

@test "allow= keys: a refused character is named, and so is the option" {
	monitor_rshd
	run -255 rsh_cmd -n 127.0.0.1 'df -h; id'
	assert_output --partial "denied: key 'test' may not run 'df -h; id': ';' is refused"
	run -255 rsh_cmd -n 127.0.0.1 "$(printf 'df -h /\nid -un')"
	assert_output --partial "a newline is refused"
	run -255 rsh_cmd -n -x 127.0.0.1 cat "$T/app/../secret"
	assert_output --partial "may not run 'cat $T/app/../secret' (its allow= option)"
	run -255 rsh_cmd -n -tt 127.0.0.1 uptime
	assert_output --partial "may not have a terminal (its allow= option)"
}

@test "allow= keys: what matches runs with exactly its words, shell line or -x, no shell" {
	monitor_rshd
	run -0 rsh_cmd -n 127.0.0.1 'echo  a=b   c:d,e+f@g%h  x/y_z.w -n'
	assert_output 'a=b c:d,e+f@g%h x/y_z.w -n'
	run -0 rsh_cmd -n -x 127.0.0.1 printf '%s|' 'a b' 'c;d' '$(id)' '' \
	    "$(printf 'x\ny')"
	assert_output "$(printf 'a b|c;d|$(id)||x\ny|')"
	run -0 rsh_cmd -n -x 127.0.0.1 echo '$HOME' '`id`'
	assert_output '$HOME `id`'
	run -0 rsh_cmd -n 127.0.0.1 cat "$T/app/x.log"
	assert_output applog
	run -0 rsh_cmd -n -x 127.0.0.1 cat "$T/app/x.log"
	assert_output applog
	run -0 rsh_cmd -n 127.0.0.1 df -h /
	assert_line --partial Filesystem
	run -0 rsh_cmd -n 127.0.0.1 echo
	assert_output ''
	[ ! -e "$M" ]
	grep -q '"command":"echo  a=b   c:d,e+f@g%h  x/y_z.w -n"' \
	    "$BATS_TEST_TMPDIR/audit.log"
}

@test "allow= keys work for an account whose shell is nologin, as there is no shell (root only)" {
	local acct
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch accounts"
	[ -x /usr/sbin/nologin ] || skip "no /usr/sbin/nologin"
	acct=$(test_account /usr/sbin/nologin /tmp) ||
	    skip "cannot create an account here"
	keyed_rshd "$BATS_TEST_TMPDIR/a" "user=$acct,allow=\"id -un\""
	run -0 rsh_cmd -n 127.0.0.1 id -un
	assert_output "$acct"
	run -0 rsh_cmd -n -x 127.0.0.1 id -un
	assert_output "$acct"
}

@test "command= keys: no client directory, no variables beyond env=" {
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'command="pwd; echo \"lang=$LANG tz=$TZ\"",env=TZ' \
	    -o AcceptEnv=LANG
	run -0 rsh_cmd -n 127.0.0.1 anything
	assert_output "$(printf '%s\nlang= tz=' "$HOME")"
	run -255 rsh_cmd -n -d / 127.0.0.1 anything
	assert_output --partial "denied: key 'test' may not choose the working directory (its command= option)"
	run -255 rsh_cmd -n -e LANG=C 127.0.0.1 anything
	assert_output --partial "environment variable LANG is not accepted for key 'test'"
	run -0 rsh_cmd -n -e TZ=UTC0 127.0.0.1 anything
	assert_line 'lang= tz=UTC0'
}

@test "the audit record names the directory and, under command=, the command that ran" {
	local log=$BATS_TEST_TMPDIR/audit.log
	keyed_rshd "$BATS_TEST_TMPDIR/a" 'command="echo forced"' \
	    -o "AuditLog=$log"
	run -0 rsh_cmd -n 127.0.0.1 'asked for'
	assert_output forced
	wait_until "grep -q '\"event\":\"exit\"' '$log'" 5
	# Both records of the command: the start, and the exit.
	run -0 python3 -c 'import json, sys
for r in [json.loads(l) for l in open(sys.argv[1])][-2:]:
    print(r["event"], "|", r["command"], "|", r["forced"], "|", r["cwd"])' "$log"
	assert_output "$(printf 'start | asked for | echo forced | %s\nexit | asked for | echo forced | %s' "$HOME" "$HOME")"
	start_rshd "$BATS_TEST_TMPDIR/b" -o "AuditLog=$log"
	run -0 rsh_cmd -n -d /tmp 127.0.0.1 pwd
	assert_output /tmp
	wait_until "[ \$(grep -c '\"event\":\"exit\"' '$log') -eq 2 ]" 5
	run -0 python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
print(r["cwd"], "forced" in r)' "$log"
	assert_output "/tmp False"
}

@test "PermitRootCommands no refuses user=root too (root only)" {
	local d=$BATS_TEST_TMPDIR/t
	[ "$(id -u)" -eq 0 ] || skip "the rule is for rshd running as root"
	make_keys "$d"
	sed -i '1s/$/ user=root/' "$d/keys"
	run -1 "$RSHD" -f none -t -k "$d/keys" -o PermitRootCommands=no
	assert_output --partial "key 'test': user=root runs commands as root, which PermitRootCommands no forbids"
	run -1 timeout "$(scaled 5)" "$RSHD" -f none -D -p 0 --port-file "$d/port" -l 127.0.0.1 \
	    --no-udp -k "$d/keys" -o PermitRootCommands=no
	assert_output --partial "holds no usable key"
	run -0 "$RSHD" -f none -t -k "$d/keys" -o PermitRootCommands=yes
}

@test "what changes how a program loads is never accepted, AcceptEnv or env=" {
	local v
	keyed_rshd "$BATS_TEST_TMPDIR/a" '' \
	    -o 'AcceptEnv=GCONV_PATH,BASHOPTS,CDPATH,GLIBC_TUNABLES,PYTHON*,PERL5*,RUBY*,NODE_OPTIONS,GIT_*,LANG'
	for v in GCONV_PATH=. BASHOPTS=x CDPATH=/ GLIBC_TUNABLES=x \
	    PYTHONPATH=/tmp PYTHONSTARTUP=/tmp/x PERL5OPT=-d PERL5LIB=/tmp \
	    RUBYOPT=-r/tmp/x NODE_OPTIONS=--require=/tmp/x \
	    GIT_CONFIG_COUNT=1 GIT_CONFIG_PARAMETERS=x GIT_SSH_COMMAND=x; do
		run -0 probe exec-env "$v" 'true' read
		assert_line --partial "environment variable ${v%%=*} is never accepted"
	done
	run -0 probe exec-env LANG=C 'echo "lang=$LANG"' read
	assert_line 'STDOUT lang=C\n'
	make_keys "$BATS_TEST_TMPDIR/t"
	sed -i '1s/$/ env=GIT_CONFIG_PARAMETERS/' "$BATS_TEST_TMPDIR/t/keys"
	run -1 "$RSHD" -f none -t -k "$BATS_TEST_TMPDIR/t/keys" -o PermitRootCommands=yes
	assert_output --partial "option 'env': GIT_CONFIG_PARAMETERS may never be set by a client"
}

@test "an account whose home does not exist runs in / with a warning; -d there is refused (root only)" {
	local acct home=/nonexistent-rsht$$
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch accounts"
	[ ! -e "$home" ] || skip "$home exists"
	acct=$(test_account /bin/sh "$home") || skip "cannot create an account"
	keyed_rshd "$BATS_TEST_TMPDIR/a" "user=$acct"
	run -0 --separate-stderr rsh_cmd -n 127.0.0.1 'pwd; echo "$HOME"'
	assert_output "$(printf '/\n%s' "$home")"
	[[ $stderr == *"cannot change to home directory $home: No such file or directory; the command runs in /"* ]] ||
	    fail "stderr: $stderr"
	run -255 rsh_cmd -n -d "$home" 127.0.0.1 pwd
	assert_output --partial "cannot change directory to $home"
	run -0 rsh_cmd -n -d /tmp 127.0.0.1 pwd
	assert_output /tmp
}

@test "rshd's fds, children and threads return to baseline after these" {
	assert_rshd_at_baseline
}
