#!/bin/bash
# tests/stress/run.sh BUILD_DIR: what `make stress` runs (STRESS_SHORT=1:
# `make stress-short`, which `make test` runs).  It starts its own rshd on
# 127.0.0.1 (ephemeral port, temp dir) and puts it through:
#
#   soak    CONNS clients connected at once, each running 3 commands on
#           its connection (rsh's batch mode); then WORKERS clients at once
#           running LINES commands each, round after round until CMDS
#           commands or STRESS_TIME seconds; meanwhile large outputs, stdin
#           through cat, commands killed by signals, clients SIGKILLed
#           mid-command and UDP requests.  Every output is compared, by
#           sha256, with the same commands run here.  Afterwards rshd's
#           fds, threads and children are back to their baseline and its
#           RSS is flat.
#   faults  a client SIGKILLed mid-stream, a reader that stops reading,
#           a command that ignores SIGTERM, one that forks 1,000 children,
#           SIGTERM under load, ulimit -n 64, a full disk for AuditLog.
#   fuzz    (full form, with clang) each libFuzzer target FUZZTIME seconds.
#   valgrind (full form) the unit tests and rsh under memcheck.
#
# Exits 0 when everything held, 1 otherwise; prints a summary either way.
# Environment: STRESS_SHORT, STRESS_TIME (soak seconds), CONNS, WORKERS,
# LINES, CMDS, FUZZTIME, VALGRIND_BUILD (a build without ASan, for
# valgrind), STRESS_PARTS (some of: soak faults fuzz valgrind).
set -u
export LC_ALL=C

if [ $# -ne 1 ]; then
	echo "usage: tests/stress/run.sh BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd) || exit 2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RSHD=$BUILD/rshd
RSH=$BUILD/rsh
for p in "$RSHD" "$RSH"; do
	if [ ! -x "$p" ]; then
		echo "stress: $p is missing; run make first" >&2
		exit 2
	fi
done

if [ "${STRESS_SHORT:-0}" = 1 ]; then
	FORM=short
	: "${STRESS_TIME:=40}" "${CONNS:=100}" "${WORKERS:=20}" "${LINES:=25}"
	: "${CMDS:=3000}"
	N_BIG=2 N_CAT=2 N_SIG=10 N_DROP=5 N_UDP=100 N_TERMLOAD=20
else
	FORM=full
	: "${STRESS_TIME:=600}" "${CONNS:=1000}" "${WORKERS:=50}" "${LINES:=100}"
	: "${CMDS:=100000}"
	N_BIG=10 N_CAT=10 N_SIG=100 N_DROP=50 N_UDP=1000 N_TERMLOAD=100
fi
: "${FUZZTIME:=20}"
# RSS may end this much above where it was after the first round: glibc
# keeps freed memory in its per-thread arenas (up to 8 per core) rather
# than handing it back, so the exact figure wanders by a few MiB; a leak
# of 100 bytes a command over 100,000 commands would be 10 MiB.
RSS_SLACK_KB=4096

DIR=$(mktemp -d "${TMPDIR:-/tmp}/rsh-stress.XXXXXX") || exit 2
PIDS_TO_STOP=()
MOUNTED=
cleanup() {
	local p n
	# This script's background jobs (the mix, clients) and their rsh.
	for p in $(jobs -p); do
		for n in $(children_of "$p"); do
			kill -KILL "$n" 2>/dev/null
		done
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${PIDS_TO_STOP[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -z "$MOUNTED" ] || umount "$MOUNTED" 2>/dev/null
	# The daemons' logs outlive a failed run, for a look afterwards.
	if [ "$FAILED" -ne 0 ]; then
		rm -rf "$TOP/build/stress-logs"
		mkdir -p "$TOP/build/stress-logs"
		for p in "$DIR"/*/rshd.log; do
			[ -f "$p" ] || continue
			n=${p%/rshd.log}
			cp "$p" "$TOP/build/stress-logs/${n##*/}.log"
		done
		echo "stress: rshd logs in build/stress-logs/" >&2
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FAILED=0
SUMMARY=()
# ok TEXT / bad TEXT: one line of the summary; bad fails the run.
ok() {
	SUMMARY+=("  ok    $*")
	echo "stress: ok: $*"
}
bad() {
	SUMMARY+=("  FAIL  $*")
	echo "stress: FAIL: $*" >&2
	FAILED=1
}

# note TEXT: a figure for the summary, neither passed nor failed.
note() {
	SUMMARY+=("  -     $*")
	echo "stress: $*"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# wait_until COND [SECONDS]: as in tests/helpers.bash.
wait_until() {
	local cond=$1 limit=${2:-10} deadline
	deadline=$(($(now_ms) + limit * 1000))
	while ! eval "$cond"; do
		if (($(now_ms) >= deadline)); then
			return 1
		fi
		sleep 0.05
	done
}

alive() {
	local s
	s=$(awk '/^State:/ { print $2; exit }' "/proc/$1/status" \
	    2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != Z ]
}

# The rshd under test: SRV_PID, SRV_PORT, SRV_DIR, KEY.
# start_srv NAME [ARG...]
start_srv() {
	local d=$DIR/$1
	shift
	mkdir -p "$d" && (umask 077 && "$RSH" --keygen stress >"$d/keys" &&
	    cp "$d/keys" "$d/key") || return 1
	env --default-signal=INT,QUIT "$RSHD" -f none -D -p 0 --port-file "$d/port" \
	    -l 127.0.0.1 -k "$d/keys" -o PermitRootCommands=yes \
	    -o ShutdownGrace=0 -o KillGrace=1s -o MaxConnections=4096 \
	    -o MaxUnauthenticated=4096 -o MaxUnauthenticatedPerSource=4096 \
	    -o ListenBacklog=4096 -o UdpQueue=4096 "$@" \
	    </dev/null >>"$d/rshd.log" 2>&1 3>&- &
	SRV_PID=$!
	PIDS_TO_STOP+=("$SRV_PID")
	if ! wait_until "[ -s '$d/port' ] || ! alive $SRV_PID" 20 ||
	    ! [ -s "$d/port" ]; then
		echo "stress: rshd did not start:" >&2
		cat "$d/rshd.log" >&2
		return 1
	fi
	SRV_PORT=$(cat "$d/port")
	SRV_DIR=$d
	KEY=$d/key
}

# stop_srv: TERM, then its exit status (KILL after 20 s: 1).
stop_srv() {
	local rc=0
	kill -TERM "$SRV_PID" 2>/dev/null
	if ! wait_until "! alive $SRV_PID" 20; then
		kill -KILL "$SRV_PID" 2>/dev/null
		rc=1
	fi
	wait "$SRV_PID" 2>/dev/null || rc=$?
	return "$rc"
}

r() {
	"$RSH" -k "$KEY" -p "$SRV_PORT" "$@"
}
# rb ARG... &: the same in the background, with $! rsh's own pid (a
# function in the background is a subshell; exec makes it rsh).
rb() {
	exec "$RSH" -k "$KEY" -p "$SRV_PORT" "$@"
}

children_of() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$'
	return 0
}
# rshd's privileged part: the child it names rshd-priv.
srv_monitor() {
	local c
	for c in $(children_of "$SRV_PID"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" != rshd-priv ] ||
		    echo "$c"
	done
}
# Both parts count; the commands are the privileged part's children.
srv_fds() {
	ls "/proc/$SRV_PID/fd" $(srv_monitor | sed 's|.*|/proc/&/fd|') |
	    grep -c '^[0-9]'
}
srv_threads() {
	cat "/proc/$SRV_PID/status" $(srv_monitor | sed 's|.*|/proc/&/status|') |
	    awk '/^Threads:/ { n += $2 } END { print n }'
}
srv_net_threads() { awk '/^Threads:/ { print $2 }' "/proc/$SRV_PID/status"; }
srv_children() {
	{ children_of "$SRV_PID" | grep -vx "$(srv_monitor)"
	  for m in $(srv_monitor); do children_of "$m"; done; } | wc -l
}
srv_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SRV_PID/status"; }
srv_conns() { tr '\0' ' ' <"/proc/$SRV_PID/cmdline" | awk '{ print $2 }'; }
# marked N MARKER: processes anywhere carrying MARKER (pgrep -f).
marked() { pgrep -f -- "$1" | wc -l; }

# ---------------------------------------------------------------- soak

# The batch files: VARIANTS different mixes of commands; client c runs
# variant c % VARIANTS, whose output is known from running it here.
VARIANTS=8
# make_batches NAME LINES: $DIR/batch.NAME/V and its V.sum.
make_batches() {
	local v i lines=$2 b=$DIR/batch.$1
	mkdir -p "$b"
	for ((v = 0; v < VARIANTS; v++)); do
		{
			# Everyone connected before anyone goes on: the open
			# blocks until the script opens the FIFO too.
			echo ": <$DIR/go.fifo"
			for ((i = 1; i < lines; i++)); do
				case $(((i + v) % 7)) in
				0) echo "echo variant $v line $i" ;;
				1) echo "seq $((i * 131 + v))" ;;
				2) echo "head -c $((i * 7919 + v)) /dev/zero | tr '\\0' x" ;;
				3) echo "kill -TERM \$\$" ;;
				4) echo "printf '%s\\n' $v$i >&2; echo err" ;;
				5) echo "exit $((i % 5))" ;;
				6) echo "awk 'BEGIN { for (i = 0; i < $((i * 50)); i++) print i * $v }'" ;;
				esac
			done
		} >"$b/$v"
		# The reference: each line as the account's shell runs it.
		while IFS= read -r line; do
			[[ $line == ": <"* ]] && continue
			bash -c "$line" </dev/null
		done <"$b/$v" 2>/dev/null | sha256sum | cut -d' ' -f1 >"$b/$v.sum"
	done
}

# round LABEL CLIENTS NAME LINES: CLIENTS clients at once, each running
# the batch NAME of LINES lines; fails the soak on any wrong output.
PEAK=0
round() {
	local n=$1 clients=$2 b=$DIR/batch.$3 lines=$4 c pids=() bad_out=0
	local rc=0 conns
	[ -p "$DIR/go.fifo" ] || mkfifo "$DIR/go.fifo"
	rm -rf "$DIR/out"
	mkdir -p "$DIR/out"
	for ((c = 0; c < clients; c++)); do
		rb --line-mode 127.0.0.1 <"$b/$((c % VARIANTS))" \
		    >"$DIR/out/$c" 2>"$DIR/out/$c.err" 3>&- &
		pids+=($!)
	done
	# All connected and authenticated: each runs its first command,
	# which waits on the FIFO (the clients' command lines do not name it).
	if ! wait_until "[ \$(marked go.fifo) -ge $clients ]" 180; then
		bad "soak $n: only $(marked go.fifo) of $clients clients connected"
	fi
	conns=$(srv_conns)
	[ "${conns:-0}" -le "$PEAK" ] || PEAK=$conns
	# Read and write: never blocks; open for the round, so that nobody
	# can miss it.
	exec 4<>"$DIR/go.fifo"
	for c in "${!pids[@]}"; do
		wait "${pids[$c]}" || true
		if [ "$(sha256sum <"$DIR/out/$c" | cut -d' ' -f1)" != \
		    "$(cat "$b/$((c % VARIANTS)).sum")" ]; then
			bad_out=$((bad_out + 1))
		fi
		grep -q '^rsh:' "$DIR/out/$c.err" && rc=$((rc + 1))
	done
	exec 4>&-
	if [ "$bad_out" -ne 0 ] || [ "$rc" -ne 0 ]; then
		bad "soak $n: $bad_out of $clients clients' output differed," \
		    "$rc clients' rsh reported errors:" \
		    "$(cat "$DIR"/out/*.err | grep '^rsh:' | sed 's/:[0-9]*:/:PORT:/' |
		    sort | uniq -c | sort -rn | head -3 | tr -s ' \n' ' ')"
		return 1
	fi
	SOAK_CMDS=$((SOAK_CMDS + clients * lines))
}

# The mix that runs beside the rounds; each part counts what it ran in
# $DIR/mix.COUNT and writes failures to $DIR/mix.fail.
mix_fail() {
	echo "$*" >>"$DIR/mix.fail"
}
mix_big() {
	local i want got
	want=$(seq 1 3000000 | sha256sum | cut -d' ' -f1)
	for ((i = 0; i < N_BIG && $(now_ms) < MIX_END; i++)); do
		got=$(r -n 127.0.0.1 seq 1 3000000 | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || mix_fail "large output $i differs"
	done
	echo "$i" >"$DIR/mix.big"
}
mix_cat() {
	local i want got
	head -c 16777216 /dev/urandom >"$DIR/stdin.bin"
	want=$(sha256sum <"$DIR/stdin.bin" | cut -d' ' -f1)
	for ((i = 0; i < N_CAT && $(now_ms) < MIX_END; i++)); do
		got=$(r 127.0.0.1 cat <"$DIR/stdin.bin" | sha256sum |
		    cut -d' ' -f1)
		[ "$got" = "$want" ] || mix_fail "stdin through cat $i differs"
	done
	echo "$i" >"$DIR/mix.cat"
}
mix_sig() {
	local i rc
	for ((i = 0; i < N_SIG && $(now_ms) < MIX_END; i++)); do
		r -n 127.0.0.1 'kill -KILL $$' 2>/dev/null
		rc=$?
		[ "$rc" = 137 ] || mix_fail "kill -KILL: exit $rc, not 137"
		r -n 127.0.0.1 'kill -TERM $$' 2>/dev/null
		rc=$?
		[ "$rc" = 143 ] || mix_fail "kill -TERM: exit $rc, not 143"
	done
	echo $((2 * i)) >"$DIR/mix.sig"
}
mix_drop() {
	local i m p
	for ((i = 0; i < N_DROP && $(now_ms) < MIX_END; i++)); do
		# Anchored: the client's own command line does not match.
		m="^sleep 600.${$}0$i\$"
		rb -n 127.0.0.1 "sleep 600.${$}0$i" >/dev/null 2>&1 3>&- &
		p=$!
		wait_until "[ \$(marked '$m') -ge 1 ]" 30 ||
		    mix_fail "disconnect $i: the command did not start"
		kill -KILL "$p"
		wait "$p" 2>/dev/null
		wait_until "[ \$(marked '$m') -eq 0 ]" 10 ||
		    mix_fail "disconnect $i: the command outlived its client"
	done
	echo "$i" >"$DIR/mix.drop"
}
mix_udp() {
	local i got
	for ((i = 0; i < N_UDP && $(now_ms) < MIX_END; i++)); do
		got=$(r -u -n 127.0.0.1 echo udp $i 2>&1)
		[ "$got" = "udp $i" ] || mix_fail "UDP $i: '$got'"
	done
	echo "$i" >"$DIR/mix.udp"
}

soak() {
	local t0 n=0 base_fds base_threads rss0 rss1 rss2 mix=() p
	start_srv soak || { bad "soak: rshd did not start"; return; }
	SOAK_PID=$SRV_PID
	# ulimit -n is rshd's, from this shell: CONNS connections need ~5 fds
	# each.
	r -n 127.0.0.1 true
	wait_until "[ \$(srv_children) -eq 0 ]" 10
	# Quiet: every channel parked, the privileged part down to its own
	# three threads.
	wait_until "[ \$(srv_threads) -le \$((\$(srv_net_threads) + 3)) ]" 10
	base_fds=$(srv_fds)
	base_threads=$(srv_threads)
	rss0=$(srv_rss)
	make_batches wide 4
	make_batches deep "$LINES"
	SOAK_CMDS=0
	t0=$(now_ms)
	# The mix runs beside the CONNS connections and the first rounds,
	# for STRESS_TIME at most.
	MIX_END=$((t0 + STRESS_TIME * 1000))
	rm -f "$DIR/mix.fail"
	for p in mix_big mix_cat mix_sig mix_drop mix_udp; do
		"$p" 3>&- &
		mix+=($!)
	done
	# CONNS connections at once, a few commands each.
	round "with $CONNS connections" "$CONNS" wide 4
	# Then many commands, round after round.  The RSS after the first
	# round that runs alone (thread stacks and malloc arenas as they are
	# at this load) is what the end is compared with.
	n=1
	round "round 1" "$WORKERS" deep "$LINES"
	for p in "${mix[@]}"; do
		wait "$p"
	done
	RSS_TREND=
	while ((SOAK_CMDS < CMDS)) &&
	    (($(now_ms) - t0 < STRESS_TIME * 1000)); do
		n=$((n + 1))
		round "round $n" "$WORKERS" deep "$LINES" || break
		wait_until "[ \$(srv_children) -eq 0 ]" 30
		[ -n "${rss1:-}" ] || rss1=$(srv_rss)
		RSS_TREND="$RSS_TREND $(srv_rss)"
	done
	SOAK_MS=$(($(now_ms) - t0))
	SOAK_ROUNDS=$n
	MIX_CMDS=0
	for p in big cat sig drop udp; do
		MIX_CMDS=$((MIX_CMDS + $(cat "$DIR/mix.$p" 2>/dev/null || echo 0)))
	done
	if [ -s "$DIR/mix.fail" ]; then
		bad "soak mix: $(wc -l <"$DIR/mix.fail") failures, first: $(head -n1 "$DIR/mix.fail")"
	else
		ok "soak mix: $(cat "$DIR/mix.big") x seq 1 3000000 (21 MB)," \
		    "$(cat "$DIR/mix.cat") x 16 MiB stdin through cat," \
		    "$(cat "$DIR/mix.sig") signal deaths," \
		    "$(cat "$DIR/mix.drop") clients SIGKILLed mid-command," \
		    "$(cat "$DIR/mix.udp") UDP commands: all byte-exact"
	fi
	if ! wait_until "[ \$(srv_fds) -eq $base_fds ] && [ \$(srv_threads) -eq $base_threads ] && [ \$(srv_children) -eq 0 ]" 30; then
		bad "soak: rshd not back to baseline: fds $(srv_fds)" \
		    "(was $base_fds), threads $(srv_threads) (was" \
		    "$base_threads), children $(srv_children)"
	else
		ok "soak: rshd back to baseline: $base_fds fds," \
		    "$base_threads threads, 0 children"
	fi
	rss2=$(srv_rss)
	SOAK_RSS="RSS idle ${rss0} KiB, after round 2 ${rss1:-?} KiB, at the end ${rss2} KiB (after rounds 2 on:$RSS_TREND)"
	if [ "$(echo $RSS_TREND | wc -w)" -lt 2 ]; then
		note "soak: $SOAK_RSS: too few rounds to judge (STRESS_TIME)"
	elif [ "$rss2" -gt $((rss1 + RSS_SLACK_KB)) ]; then
		bad "soak: RSS grew: $SOAK_RSS (slack $RSS_SLACK_KB KiB)"
	else
		ok "soak: flat $SOAK_RSS (slack $RSS_SLACK_KB KiB)"
	fi
	note "soak: load: $CONNS connections at once (peak seen $PEAK)," \
	    "then $SOAK_ROUNDS rounds of $WORKERS x $LINES commands;" \
	    "$((SOAK_CMDS + MIX_CMDS)) commands in $((SOAK_MS / 1000)) s"
	if ! stop_srv; then
		bad "soak: rshd exited $? on SIGTERM"
	fi
	if grep -qE 'Sanitizer|runtime error:' "$SRV_DIR/rshd.log"; then
		bad "soak: sanitizer report in $SRV_DIR/rshd.log"
		grep -A20 -E 'Sanitizer|runtime error:' "$SRV_DIR/rshd.log" | head -40 >&2
	fi
}

# -------------------------------------------------------------- faults

# A client SIGKILLed while its command streams: the remote group is gone
# within 2 s.
fault_kill_stream() {
	local m="^yes stress-stream-$$\$" p t0 ms
	rb -n 127.0.0.1 "yes stress-stream-$$" >/dev/null 2>&1 3>&- &
	p=$!
	wait_until "[ \$(marked '$m') -ge 1 ]" 20
	sleep 0.5	# streaming, not starting: let the pipe fill
	t0=$(now_ms)
	kill -KILL "$p"
	wait "$p" 2>/dev/null
	if wait_until "[ \$(marked '$m') -eq 0 ]" 2; then
		ms=$(($(now_ms) - t0))
		ok "fault: client SIGKILLed mid-stream: remote group gone in $ms ms"
	else
		bad "fault: client SIGKILLed mid-stream: command still there after 2 s"
	fi
}

# A reader that stops reading: rshd's memory stays bounded and other
# clients are served.
fault_stopped_reader() {
	local m="^yes stress-stalled-$$\$" p rss0 rssmax=0 rss i slow=0 t0 ms
	local max=0 n=20
	rss0=$(srv_rss)
	rb -n 127.0.0.1 "yes stress-stalled-$$" >/dev/null 2>&1 3>&- &
	p=$!
	wait_until "[ \$(marked '$m') -ge 1 ]" 20
	kill -STOP "$p"
	for ((i = 0; i < n; i++)); do
		t0=$(now_ms)
		[ "$(r -n 127.0.0.1 echo bystander $i)" = "bystander $i" ] ||
		    slow=$((slow + 1))
		ms=$(($(now_ms) - t0))
		[ "$ms" -le "$max" ] || max=$ms
		rss=$(srv_rss)
		[ "$rss" -le "$rssmax" ] || rssmax=$rss
		sleep 0.1
	done
	kill -KILL "$p"
	kill -CONT "$p"
	wait "$p" 2>/dev/null
	wait_until "[ \$(marked '$m') -eq 0 ]" 10
	if [ "$slow" -ne 0 ]; then
		bad "fault: stopped reader: $slow of $n bystander commands failed"
	elif [ "$rssmax" -gt $((rss0 + 16384)) ]; then
		bad "fault: stopped reader: rshd RSS grew from $rss0 to $rssmax KiB"
	else
		ok "fault: stopped reader (yes, client SIGSTOPped): rshd RSS" \
		    "$rss0 -> at most $rssmax KiB; $n bystander commands all" \
		    "right, slowest $max ms"
	fi
}

# A command that ignores SIGTERM loses its client: KILL after KillGrace
# (1 s here).
fault_ignores_term() {
	local m="^sleep 601.$$\$" p t0 ms
	rb -n 127.0.0.1 "trap '' TERM; sleep 601.$$" >/dev/null 2>&1 3>&- &
	p=$!
	wait_until "[ \$(marked '$m') -ge 1 ]" 20
	t0=$(now_ms)
	kill -KILL "$p"
	wait "$p" 2>/dev/null
	if wait_until "[ \$(marked '$m') -eq 0 ]" 5; then
		ms=$(($(now_ms) - t0))
		ok "fault: command ignoring SIGTERM: killed after $ms ms" \
		    "(KillGrace 1 s)"
	else
		bad "fault: command ignoring SIGTERM: still running after 5 s"
	fi
}

# A command that forks 1,000 children: all gone once it is stopped.
fault_fork_1000() {
	local p t0 ms
	rb -n 127.0.0.1 "for i in \$(seq 1000); do sleep 120.$$ & done; wait" \
	    >/dev/null 2>&1 3>&- &
	p=$!
	if ! wait_until "[ \$(marked '^sleep 120.$$\$') -ge 1000 ]" 60; then
		bad "fault: fork 1000: only $(marked "^sleep 120.$$\$") children started"
	fi
	t0=$(now_ms)
	kill -KILL "$p"
	wait "$p" 2>/dev/null
	if wait_until "[ \$(marked '^sleep 120.$$\$') -eq 0 ] && [ \$(srv_children) -eq 0 ]" 15; then
		ms=$(($(now_ms) - t0))
		ok "fault: command with 1,000 children: all gone $ms ms after" \
		    "its client was killed"
	else
		bad "fault: fork 1000: $(marked "^sleep 120.$$\$") children left after 15 s"
	fi
}

# SIGTERM under load: every client gets its command's end or a clean
# close, and nothing is left running.
fault_term_under_load() {
	local m=stress-termload-$$ i pids=() rc hung=0 unclean=0 done_ok=0
	start_srv termload || { bad "fault: SIGTERM under load: no rshd"; return; }
	for ((i = 0; i < N_TERMLOAD; i++)); do
		case $((i % 3)) in
		0) rb -n 127.0.0.1 "sleep 60; : $m" ;;
		1) rb -n 127.0.0.1 "yes $m | head -c 1000000000" ;;
		2) rb 127.0.0.1 "cat; : $m" </dev/zero ;;
		esac >/dev/null 2>"$DIR/termload.$i" 3>&- &
		pids+=($!)
	done
	wait_until "[ \$(srv_children) -ge $N_TERMLOAD ]" 60
	kill -TERM "$SRV_PID"
	for i in "${!pids[@]}"; do
		if ! wait_until "! alive ${pids[$i]}" 20; then
			hung=$((hung + 1))
			kill -KILL "${pids[$i]}"
		fi
		wait "${pids[$i]}" 2>/dev/null
		rc=$?
		# The command's status (killed by TERM: 143), or 255 with one
		# line saying the connection ended.
		if [ "$rc" = 143 ] || { [ "$rc" = 255 ] &&
		    [ "$(grep -c . "$DIR/termload.$i")" = 1 ]; }; then
			done_ok=$((done_ok + 1))
		else
			unclean=$((unclean + 1))
			[ "$unclean" -gt 1 ] || echo "client $i: exit $rc:" \
			    "$(cat "$DIR/termload.$i")" >&2
		fi
	done
	wait_until "! alive $SRV_PID" 20
	wait "$SRV_PID" 2>/dev/null
	rc=$?
	if [ "$hung" -ne 0 ] || [ "$unclean" -ne 0 ]; then
		bad "fault: SIGTERM under load: $hung clients hung, $unclean" \
		    "ended uncleanly"
	elif ! wait_until "[ \$(marked '$m') -eq 0 ]" 5; then
		bad "fault: SIGTERM under load: $(marked "$m") commands left running"
	elif [ "$rc" -ne 0 ]; then
		bad "fault: SIGTERM under load: rshd exited $rc"
	else
		ok "fault: SIGTERM under load: $done_ok of $N_TERMLOAD clients" \
		    "got EXIT or a clean close; nothing left running; rshd exited 0"
	fi
}

# ulimit -n 64, as in tests/daemon.bats: rshd refuses what it cannot
# start and keeps serving.
fault_ulimit() {
	local d=$DIR/ulimit i pids=() okc=0 refused=0 other=0
	mkdir -p "$d" && (umask 077 && "$RSH" --keygen stress >"$d/keys" &&
	    cp "$d/keys" "$d/key")
	(ulimit -n 64 && exec env --default-signal=INT,QUIT "$RSHD" -f none -D -p 0 \
	    --port-file "$d/port" -l 127.0.0.1 --no-udp -k "$d/keys" \
	    -o PermitRootCommands=yes -o ShutdownGrace=0 \
	    -o MaxUnauthenticatedPerSource=64) </dev/null >>"$d/rshd.log" \
	    2>&1 3>&- &
	SRV_PID=$!
	PIDS_TO_STOP+=("$SRV_PID")
	wait_until "[ -s '$d/port' ]" 20
	SRV_PORT=$(cat "$d/port")
	KEY=$d/key
	for ((i = 0; i < 40; i++)); do
		rb -n 127.0.0.1 'sleep 1; echo ok' >"$d/out.$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if wait "${pids[$i]}"; then
			okc=$((okc + 1))
		elif grep -qE 'Too many open files|out of resources' "$d/out.$i"; then
			refused=$((refused + 1))
		else
			other=$((other + 1))
		fi
	done
	if [ "$okc" -gt 0 ] && [ "$other" -eq 0 ] && alive "$SRV_PID" &&
	    [ "$(r -n 127.0.0.1 echo still-serving)" = still-serving ]; then
		ok "fault: ulimit -n 64: $okc of 40 commands ran, $refused" \
		    "refused with a reason, rshd kept serving"
	else
		bad "fault: ulimit -n 64: $okc ran, $refused refused, $other" \
		    "failed otherwise; rshd alive: $(alive "$SRV_PID" && echo yes || echo no)"
	fi
	stop_srv
}

# AuditLog on a full disk (a 64 KiB tmpfs): rshd keeps serving and says
# that it cannot write.
fault_audit_full() {
	local mnt=$DIR/auditfs i failed=0 long
	if [ "$(id -u)" -ne 0 ]; then
		ok "fault: full disk for AuditLog: skipped (mounting a tmpfs needs root)"
		return
	fi
	mkdir -p "$mnt"
	if ! mount -t tmpfs -o size=64k stress-audit "$mnt"; then
		ok "fault: full disk for AuditLog: skipped (mount -t tmpfs failed)"
		return
	fi
	MOUNTED=$mnt
	start_srv audit --no-udp -o AuditLog="$mnt/audit.log" ||
	    { bad "fault: audit: no rshd"; umount "$mnt"; MOUNTED=; return; }
	long=$(head -c 2000 /dev/zero | tr '\0' a)
	for ((i = 0; i < 100; i++)); do
		[ "$(r -n 127.0.0.1 echo "$i" "$long")" = "$i $long" ] ||
		    failed=$((failed + 1))
	done
	if [ "$failed" -eq 0 ] && alive "$SRV_PID" &&
	    grep -q 'audit: cannot write' "$SRV_DIR/rshd.log"; then
		ok "fault: full disk for AuditLog (64 KiB tmpfs, full after" \
		    "$(du -k "$mnt/audit.log" | cut -f1) KiB): 100 commands" \
		    "served, the failure logged"
	else
		bad "fault: full disk for AuditLog: $failed commands failed;" \
		    "rshd alive: $(alive "$SRV_PID" && echo yes || echo no);" \
		    "logged: $(grep -c 'audit' "$SRV_DIR/rshd.log") lines"
	fi
	stop_srv
	umount "$mnt" && MOUNTED=
}

faults() {
	start_srv faults || { bad "faults: rshd did not start"; return; }
	fault_kill_stream
	fault_stopped_reader
	fault_ignores_term
	fault_fork_1000
	stop_srv || bad "faults: rshd exited $? on SIGTERM"
	fault_term_under_load
	fault_ulimit
	fault_audit_full
}

# ---------------------------------------------------------------- fuzz

FUZZ_LINES=()
fuzz() {
	local f name runs seeds corp
	for f in "$TOP"/build/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=${f##*/}
		corp=$TOP/build/corpus/$name
		mkdir -p "$corp"
		if ! "$f" -max_total_time="$FUZZTIME" -print_final_stats=1 \
		    "$corp" "$TOP/tests/fuzz/corpus/$name" \
		    >"$DIR/$name.log" 2>&1; then
			bad "fuzz: $name found a crash: $(grep -m1 -E 'ERROR|SUMMARY' "$DIR/$name.log")"
			cp "$DIR/$name.log" "$TOP/build/$name.crash.log"
			continue
		fi
		runs=$(awk '/stat::number_of_executed_units/ { print $2 }' \
		    "$DIR/$name.log")
		seeds=$(ls "$TOP/tests/fuzz/corpus/$name" | wc -l)
		FUZZ_LINES+=("$(printf '  %-16s %9s runs in %s s, corpus %s (%s seeds)' \
		    "$name" "$runs" "$FUZZTIME" "$(ls "$corp" | wc -l)" "$seeds")")
	done
	if [ "${#FUZZ_LINES[@]}" -eq 0 ]; then
		ok "fuzz: skipped (no libFuzzer targets built: clang missing?)"
	else
		ok "fuzz: ${#FUZZ_LINES[@]} targets, $FUZZTIME s each, no crash"
	fi
}

# ------------------------------------------------------------ valgrind

VG="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite"
valgrind_all() {
	local vb t n=0 fail=0 out
	if ! command -v valgrind >/dev/null; then
		ok "valgrind: skipped (not installed: apt-get install valgrind)"
		return
	fi
	vb=$(cd "${VALGRIND_BUILD:-$BUILD}" && pwd) || return
	for t in "$vb"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$((n + 1))
		if ! (cd "$TOP/tests/vectors" && $VG "$t") >"$DIR/vg.log" 2>&1; then
			fail=$((fail + 1))
			echo "valgrind: $t:" >&2
			grep -E '==[0-9]+==' "$DIR/vg.log" | head -30 >&2
		fi
	done
	[ "$fail" -eq 0 ] && ok "valgrind: $n unit test programs clean" ||
	    bad "valgrind: $fail of $n unit test programs reported errors"
	start_srv vg || { bad "valgrind: rshd did not start"; return; }
	fail=0
	out=$($VG "$vb/rsh" -k "$KEY" -p "$SRV_PORT" -n 127.0.0.1 echo hello \
	    2>"$DIR/vg.1") && [ "$out" = hello ] || fail=$((fail + 1))
	out=$(head -c 1000000 /dev/urandom | tee "$DIR/vg.in" |
	    $VG "$vb/rsh" -k "$KEY" -p "$SRV_PORT" 127.0.0.1 cat 2>"$DIR/vg.2" |
	    sha256sum) && [ "$out" = "$(sha256sum <"$DIR/vg.in")" ] ||
	    fail=$((fail + 1))
	out=$($VG "$vb/rsh" -k "$KEY" -p "$SRV_PORT" -u -n 127.0.0.1 echo udp \
	    2>"$DIR/vg.3") && [ "$out" = udp ] || fail=$((fail + 1))
	out=$(printf 'echo a\nexit 3\necho b\n' | $VG "$vb/rsh" -k "$KEY" \
	    -p "$SRV_PORT" --line-mode 127.0.0.1 2>"$DIR/vg.4") && [ "$out" = "a
b" ] || fail=$((fail + 1))
	$VG "$vb/rsh" -k "$KEY" -p "$SRV_PORT" -n 127.0.0.1 'exit 7' \
	    2>"$DIR/vg.5"
	[ $? = 7 ] || fail=$((fail + 1))
	$VG "$vb/rsh" -k "$KEY" -p 1 -n 127.0.0.1 true 2>"$DIR/vg.6"
	[ $? = 255 ] && ! grep -q '==[0-9]*==' "$DIR/vg.6" || fail=$((fail + 1))
	if [ "$fail" -eq 0 ]; then
		ok "valgrind: rsh clean on a command, 1 MB of stdin, UDP, batch" \
		    "mode, an exit status, a refused connection"
	else
		bad "valgrind: rsh: $fail of 6 runs failed or reported errors"
		cat "$DIR"/vg.[1-6] >&2
	fi
	stop_srv
}

# ---------------------------------------------------------------- main

# CONNS connections need several fds each in rshd.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
T0=$(now_ms)
echo "stress ($FORM): $(uname -sr), $(nproc) CPUs, build $BUILD"
if [ "$FORM" = full ]; then
	: "${STRESS_PARTS:=soak faults fuzz valgrind}"
else
	: "${STRESS_PARTS:=soak faults}"
fi
for part in $STRESS_PARTS; do
	case $part in
	soak | faults | fuzz) "$part" ;;
	valgrind) valgrind_all ;;
	*) echo "stress: unknown part '$part' in STRESS_PARTS" >&2; exit 2 ;;
	esac
done

echo
echo "== stress summary ($FORM form, $((($(now_ms) - T0) / 1000)) s)"
printf '%s\n' "${SUMMARY[@]}"
if [ "${#FUZZ_LINES[@]}" -gt 0 ]; then
	echo "  inputs fuzzed (libFuzzer, build/corpus/TARGET):"
	printf '%s\n' "${FUZZ_LINES[@]}"
fi
echo "  corpus replayed by make check: $(find "$TOP/tests/fuzz/corpus" -type f | wc -l) inputs through each of $(ls "$TOP"/tests/fuzz/fuzz_*.c | wc -l) targets"
echo "  rerun: make stress (STRESS_TIME=$STRESS_TIME CONNS=$CONNS WORKERS=$WORKERS LINES=$LINES CMDS=$CMDS FUZZTIME=$FUZZTIME), or make stress-short"
exit "$FAILED"
