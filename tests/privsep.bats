#!/usr/bin/env bats
# rshd in two parts: the network part (every thread that reads a peer's
# bytes) and the privileged part, a process of its own that alone judges
# and starts commands.  What each part's death does to the other and to
# the commands.

bats_require_minimum_version 1.5.0
load helpers

teardown() {
	if [ -n "${HOLD_PID:-}" ]; then
		kill -TERM "$HOLD_PID" 2>/dev/null || true
		wait "$HOLD_PID" 2>/dev/null || true
	fi
	rsh_teardown
}


@test "commands are started by the privileged part, a process of its own" {
	local m mon client
	start_rshd "$BATS_TEST_TMPDIR/srv"
	mon=$(monitor_of "$RSHD_PID")
	[ -n "$mon" ] || fail "rshd has no privileged part"
	[[ $(ps -o args= -p "$mon") == "rshd: privileged part"* ]] ||
	    fail "its title: $(ps -o args= -p "$mon")"
	m=$(unique_marker)
	rsh_cmd -n 127.0.0.1 "sleep 30; : $m" >/dev/null 2>&1 3>&- &
	client=$!
	wait_until "[ -n \"\$(remote_pids '$m')\" ]"
	for p in $(remote_pids "$m"); do
		[ "$(awk '/^PPid:/ { print $2 }' "/proc/$p/status")" = "$mon" ] ||
		    fail "pid $p is not the privileged part's child"
	done
	[ -z "$(children_of "$RSHD_PID" | grep -vx "$mon")" ] ||
	    fail "the network part has children of its own"
	kill "$client"
	wait "$client" || true
}

@test "the network part killed: its commands are killed and the privileged part exits" {
	local m mon pids client
	start_rshd "$BATS_TEST_TMPDIR/srv"
	mon=$(monitor_of "$RSHD_PID")
	m=$(unique_marker)
	rsh_cmd -n 127.0.0.1 "sleep 300 & sleep 300; : $m" >/dev/null 2>&1 3>&- &
	client=$!
	pids=$(wait_remote "$m") || fail "the command did not start"
	kill -KILL "$RSHD_PID"
	wait_until "all_gone $pids" 10 ||
	    fail "commands outlived the network part: $(ps -o pid,args -p "${pids// /,}")"
	wait_until "! proc_alive $mon" 10 ||
	    fail "the privileged part outlived the network part"
	grep -q "lost its connection's thread while it ran; killing its group" \
	    "$RSHD_DIR/rshd.log" || fail "the privileged part did not say so"
	wait "$client" || true
}

@test "the privileged part killed: rshd says so and stops" {
	local mon
	start_rshd "$BATS_TEST_TMPDIR/srv"
	run -0 rsh_cmd -n 127.0.0.1 echo before
	mon=$(monitor_of "$RSHD_PID")
	kill -KILL "$mon"
	wait_until "! proc_alive $RSHD_PID" 10 || fail "rshd still runs"
	grep -q "the privileged part of rshd has exited; shutting down" \
	    "$RSHD_DIR/rshd.log" || fail "rshd did not say why it stopped"
}

@test "quiet connections hold no thread in the privileged part, and their next command still runs" {
	local d=$BATS_TEST_TMPDIR quiet
	start_rshd "$d/srv"
	run -0 rsh_cmd -n 127.0.0.1 true
	# Its own threads alone, once the last channel has parked.
	wait_until "[ \$(monitor_threads) -le 3 ]" 10 ||
	    fail "the privileged part keeps $(monitor_threads) threads"
	quiet=$(monitor_threads)
	mkfifo "$d/hold"
	"$RSH_BUILD/tools/holdconns" -k "$RSH_KEYFILE" 127.0.0.1 "$RSHD_PORT" \
	    20 <"$d/hold" >"$d/ready" 2>&1 3>&- &
	HOLD_PID=$!
	exec 5>"$d/hold"
	wait_until "grep -q '^ready 20' '$d/ready'" 30
	# Before: a thread each, for as long as the connection lived.
	wait_until "[ \$(monitor_threads) -le $quiet ]" 10 ||
	    fail "20 idle connections keep $(($(monitor_threads) - quiet)) threads"
	# A pooled connection, quiet, then used again.
	run -0 rsh_cmd -o ControlPersist=30s -n 127.0.0.1 echo one 3>&-
	assert_output one
	wait_until "[ \$(monitor_threads) -le $quiet ]" 10
	run -0 rsh_cmd -o ControlPersist=30s -n 127.0.0.1 echo two 3>&-
	assert_output two
	run -0 rsh_cmd -O exit 127.0.0.1
	exec 5>&-
}

@test "a reload reaches the privileged part: a key's new command= is what runs" {
	local d=$BATS_TEST_TMPDIR/srv
	start_rshd "$d"
	run -0 rsh_cmd -n 127.0.0.1 echo before
	assert_output before
	printf '%s command="echo forced"\n' "$(cut -d' ' -f1,2 "$d/keys")" \
	    >"$d/keys.new"
	chmod 600 "$d/keys.new"
	mv "$d/keys.new" "$d/keys"
	kill -HUP "$RSHD_PID"
	wait_until "grep -q 'configuration 2 in force' '$d/rshd.log'"
	run -0 rsh_cmd -n 127.0.0.1 echo after
	assert_output forced
}

@test "a reload the privileged part cannot load is refused as a whole" {
	local d=$BATS_TEST_TMPDIR/srv
	start_rshd "$d"
	chmod 644 "$d/keys"
	kill -HUP "$RSHD_PID"
	wait_until "grep -q 'reload refused' '$d/rshd.log'"
	grep 'reload refused' "$d/rshd.log" | grep -q 'readable by others' ||
	    fail "$(grep 'reload refused' "$d/rshd.log")"
	chmod 600 "$d/keys"
	run -0 rsh_cmd -n 127.0.0.1 echo still
	assert_output still
}

@test "a network part that forges the request gets only what the key allows" {
	local d=$BATS_TEST_TMPDIR/srv m=$BATS_TEST_TMPDIR/forged
	[ -x "$RSH_BUILD/rshd-hooks" ] || fail "no rshd-hooks in $RSH_BUILD"
	# The hook makes the network part ask for `touch FILE` whatever the
	# client sent; a key without restrictions shows that it does.
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_FORGE_EXEC="touch $m.plain" \
	    start_rshd "$d.plain"
	run rsh_cmd -n 127.0.0.1 echo ok
	[ -e "$m.plain" ] || fail "the hook forged nothing: $output"
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_FORGE_EXEC="touch $m.allow" \
	    keyed_rshd "$d.allow" 'allow="echo ok"'
	run -255 rsh_cmd -n 127.0.0.1 echo ok
	assert_output --partial "denied: "
	[ ! -e "$m.allow" ] || fail "the forged command ran"
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_FORGE_EXEC="touch $m.cmd" \
	    keyed_rshd "$d.cmd" 'command="echo forced"'
	run -0 rsh_cmd -n 127.0.0.1 echo ok
	assert_output forced
	[ ! -e "$m.cmd" ] || fail "the forged command ran"
}

@test "a network part that claims another key than its client proved runs nothing" {
	local d=$BATS_TEST_TMPDIR/srv m=$BATS_TEST_TMPDIR/ran
	[ -x "$RSH_BUILD/rshd-hooks" ] || fail "no rshd-hooks in $RSH_BUILD"
	make_keys "$d"
	# A second key, with no restriction at all, that the client does not
	# hold: the hook makes the network part ask to run under it.
	"$RSH" --keygen other >>"$d/keys"
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_FORGE_KEY=other start_rshd "$d"
	run -255 rsh_cmd -n 127.0.0.1 "touch $m"
	assert_output --partial "denied: "
	[ ! -e "$m" ] || fail "the command ran under the forged key"
	grep -q "asked to run a command for key 'other' on a connection whose client proved key 'test'; refused" \
	    "$d/rshd.log" || fail "the log does not name both keys: $(grep -i refused "$d/rshd.log")"
}

@test "over UDP, a network part that claims another key than the request's runs nothing" {
	local d=$BATS_TEST_TMPDIR/srv m=$BATS_TEST_TMPDIR/ran
	[ -x "$RSH_BUILD/rshd-hooks" ] || fail "no rshd-hooks in $RSH_BUILD"
	make_keys "$d"
	"$RSH" --keygen other >>"$d/keys"
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_FORGE_KEY=other RSHD_NO_UDP= \
	    start_rshd "$d"
	run -255 rsh_cmd -u -n 127.0.0.1 "touch $m"
	assert_output --partial "the key did not open this request"
	[ ! -e "$m" ] || fail "the command ran under the forged key"
	grep -q "asked to run a UDP command for key 'other' with no request of that key open; refused" \
	    "$d/rshd.log" || fail "the log does not say so: $(grep -i refused "$d/rshd.log")"
}

@test "a handshake whose S1 the privileged part did not draw the nonce of authenticates nobody" {
	local d=$BATS_TEST_TMPDIR/srv m=$BATS_TEST_TMPDIR/ran
	[ -x "$RSH_BUILD/rshd-hooks" ] || fail "no rshd-hooks in $RSH_BUILD"
	# The hook makes the network part put a nonce of its own in S1, as
	# it would to replay a handshake it recorded: the client is none the
	# wiser, the privileged part refuses.
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_OWN_NONCE=1 start_rshd "$d"
	run -255 rsh_cmd -n 127.0.0.1 "touch $m"
	[ ! -e "$m" ] || fail "the command ran"
	grep -q "asked to authenticate a handshake whose S1 does not carry the nonce drawn for it; refused" \
	    "$d/rshd.log" || fail "the log does not say so"
}

# mem_holds PID HEX: PID's readable memory holds these bytes (root).
mem_holds() {
	python3 - "$1" "$2" <<'PY'
import re, sys
pid, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        if not m or m.group(3)[0] != "r" or "[v" in line:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        if b - a > 1 << 30:
            continue
        try:
            mem.seek(a)
            if needle in mem.read(b - a):
                sys.exit(0)
        except (OSError, ValueError, OverflowError):
            continue
sys.exit(1)
PY
}

@test "the network part holds no key's secret, after a reload too; the privileged part does" {
	local d=$BATS_TEST_TMPDIR/srv psk mon
	[ "$(id -u)" -eq 0 ] || skip "needs root to read another process's memory"
	[[ $RSH_BUILD != */asan ]] ||
	    skip "ASan's allocator maps more than this test can read"
	start_rshd "$d"
	run -0 rsh_cmd -n 127.0.0.1 echo ok
	psk=$(awk '{ print $2 }' "$d/keys" | base64 -d | od -An -tx1 | tr -d ' \n')
	[ ${#psk} -eq 64 ] || fail "no key read from $d/keys"
	kill -HUP "$RSHD_PID"
	wait_until "grep -q 'configuration 2 in force' '$d/rshd.log'"
	run -0 rsh_cmd -n 127.0.0.1 echo ok
	mon=$(monitor_of "$RSHD_PID")
	mem_holds "$mon" "$psk" || fail "the scan finds nothing, not even in the privileged part"
	! mem_holds "$RSHD_PID" "$psk" || fail "the network part holds the key's secret"
}

# status_of PID FIELD: FIELD's value in /proc/PID/status (its first word).
status_of() {
	awk -v f="$2:" '$1 == f { print $2; exit }' "/proc/$1/status"
}

# sandboxed PID: every thread of PID has no capability, NoNewPrivs set
# and a seccomp filter (Seccomp 2: filter mode).
sandboxed() {
	local t
	for t in /proc/"$1"/task/*; do
		t=${t##*/}
		[ "$(status_of "$1/task/$t" CapEff)" = 0000000000000000 ] &&
		    [ "$(status_of "$1/task/$t" CapPrm)" = 0000000000000000 ] &&
		    [ "$(status_of "$1/task/$t" NoNewPrivs)" = 1 ] &&
		    [ "$(status_of "$1/task/$t" Seccomp)" = 2 ] || {
			echo "thread $t of $1:" >&2
			grep -E '^(Uid|Cap|NoNewPrivs|Seccomp)' \
			    "/proc/$1/task/$t/status" >&2
			return 1
		}
	done
}

@test "as root, the network part runs as _rshd with no capability, NoNewPrivs and a seccomp filter; commands as their keys' accounts" {
	[ "$(id -u)" -eq 0 ] || skip "needs root: rshd as a user has no privilege to drop"
	local d=$BATS_TEST_TMPDIR/srv mon uid
	keyed_rshd "$d" 'user=nobody'
	uid=$(id -u _rshd)
	[ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$RSHD_PID/status")" = \
	    "$uid$uid$uid$uid" ] || fail "$(grep -E '^(Uid|Gid)' "/proc/$RSHD_PID/status")"
	[ "$(awk '/^Groups:/ { print $2 }' "/proc/$RSHD_PID/status")" = \
	    "$(id -g _rshd)" ] || fail "$(grep Groups "/proc/$RSHD_PID/status")"
	[ "$(status_of "$RSHD_PID" CapBnd)" = 0000000000000000 ] ||
	    fail "bounding set $(status_of "$RSHD_PID" CapBnd)"
	# Its threads (sessions, UDP, the log writer) too, one connection in.
	run -0 --separate-stderr rsh_cmd -x 127.0.0.1 /usr/bin/id -un
	assert_output nobody
	sandboxed "$RSHD_PID"
	# The privileged part keeps root and no filter: it starts commands.
	mon=$(monitor_of "$RSHD_PID")
	[ "$(status_of "$mon" Uid)" = 0 ] && [ "$(status_of "$mon" Seccomp)" = 0 ] ||
	    fail "privileged part: $(grep -E '^(Uid|Seccomp)' "/proc/$mon/status")"
	# What it needs a right to, the privileged part does for it: the pid
	# file goes at the end, though _rshd may not write where it is.
	stop_rshd
}

@test "as root, rshd without its network account refuses to start, naming the setting and how to make it" {
	[ "$(id -u)" -eq 0 ] || skip "needs root: rshd as a user has no privilege to drop"
	local d=$BATS_TEST_TMPDIR/srv
	make_keys "$d"
	run -1 "$RSHD" -D -p 0 -f none -k "$d/keys" -o PermitRootCommands=yes \
	    -o NetworkAccount=rsh-test-none
	assert_output --partial "account 'rsh-test-none', which the network part runs as (NetworkAccount), does not exist; create it with 'adduser --system --group --no-create-home --home /nonexistent rsh-test-none', or name another with NetworkAccount"
	run -1 "$RSHD" -t -f none -k "$d/keys" -o PermitRootCommands=yes \
	    -o NetworkAccount=rsh-test-none
	assert_output --partial "(NetworkAccount), does not exist"
	run -1 "$RSHD" -D -p 0 -f none -k "$d/keys" -o PermitRootCommands=yes \
	    -o NetworkAccount=root
	assert_output --partial "NetworkAccount 'root' is root"
}

@test "as a user, rshd says once that it has no privilege to drop, and still sandboxes its network part" {
	local d=$BATS_TEST_TMPDIR/srv wrap= rshd=$RSHD
	if [ "$(id -u)" -eq 0 ]; then
		# nobody must reach its files: the directories bats made are
		# root's alone.
		d=$BATS_TEST_TMPDIR/user
		mkdir -p "$d"
		make_keys "$d"
		chown nobody:nogroup "$d" "$d/keys"
		chmod 711 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" \
		    "$BATS_TEST_TMPDIR"
		# The build may be where nobody cannot go (CI's clone).
		install -m 755 "$RSHD" "$d/rshd"
		rshd=$d/rshd
		wrap="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	fi
	RSHD=$rshd RSHD_WRAP=$wrap start_rshd "$d"
	run -0 --separate-stderr rsh_cmd -n -x 127.0.0.1 /bin/echo ok
	assert_output ok
	[ "$(grep -c 'no privilege to drop' "$d/rshd.log")" -eq 1 ] ||
	    fail "$(grep -i privilege "$d/rshd.log")"
	sandboxed "$RSHD_PID"
}

@test "a forbidden system call in the network part: the filter kills it, and rshd says which" {
	local d=$BATS_TEST_TMPDIR/srv m=$BATS_TEST_TMPDIR/ran mon rc=0
	[ -x "$RSH_BUILD/rshd-hooks" ] || fail "no rshd-hooks in $RSH_BUILD"
	# The hook makes the network part, as its first act on a connection,
	# exec a shell: what an attacker who took it over would try.
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_EXEC_SHELL=1 start_rshd "$d"
	mon=$(monitor_of "$RSHD_PID")
	run -255 rsh_cmd -n 127.0.0.1 "touch $m"
	wait_until "! proc_alive $RSHD_PID" 10 || fail "the network part lives on"
	wait "$RSHD_PID" || rc=$?
	[ "$rc" -eq $((128 + 31)) ] || fail "rshd exited $rc, not by SIGSYS"
	grep -q "the network part made system call [0-9]* (execve), which its seccomp filter forbids, and was killed for it" \
	    "$d/rshd.log" || fail "rshd did not say so"
	! grep -q 'uid=' "$d/rshd.log" || fail "the shell ran"
	grep -q 'RSHD_TEST_EXEC_SHELL: execve' "$d/rshd.log" &&
	    fail "execve failed instead of killing"
	wait_until "! proc_alive $mon" 10 || fail "the privileged part lives on"
	[ ! -e "$m" ] || fail "the command ran"
	rm -f "$d/rshd.pid"
}

# ops FILE: the requests the network part sent, but for the HELLOs that
# fill spare channels ahead of any connection.
ops() {
	grep -v '^HELLO' "$1" | tr '\n' ' '
}

@test "a command costs two requests to the privileged part, from EXEC to EXIT" {
	local d=$BATS_TEST_TMPDIR/srv log=$BATS_TEST_TMPDIR/ops
	[ -x "$RSH_BUILD/rshd-hooks" ] || fail "no rshd-hooks in $RSH_BUILD"
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_OPLOG=$log start_rshd "$d"
	: >"$log"
	for cmd in true 'echo hi'; do
		run -0 rsh_cmd -n 127.0.0.1 "$cmd"
		# The last request may follow EXIT: the command is done with
		# once the privileged part has let it go.
		wait_until "grep -q CLOSE '$log'" 10 ||
		    fail "$cmd: no CLOSE: $(ops "$log")"
		echo "$cmd: $(ops "$log")"
		# AUTH, then the command's own: RUN (PREPARE and START in
		# one) and REAP, which lets it go too.
		[ "$(ops "$log")" = "AUTH RUN REAP+CLOSE " ] ||
		    fail "$cmd: $(ops "$log")"
		: >"$log"
	done
	# Under AuditRequired the start record is written between the
	# judgement and the start: those stay two requests.
	RSHD=$RSH_BUILD/rshd-hooks RSHD_TEST_OPLOG=$log.audit \
	    start_rshd "$d.audit" -o "AuditLog=$d.audit/audit.log" \
	    -o AuditRequired=yes
	: >"$log.audit"
	run -0 rsh_cmd -n 127.0.0.1 true
	wait_until "grep -q CLOSE '$log.audit'" 10 ||
	    fail "AuditRequired: no CLOSE: $(ops "$log.audit")"
	[ "$(ops "$log.audit")" = "AUTH PREPARE START REAP+CLOSE " ] ||
	    fail "AuditRequired: $(ops "$log.audit")"
	grep -q '"event":"start"' "$d.audit/audit.log" ||
	    fail "no start record: $(cat "$d.audit/audit.log")"
}
