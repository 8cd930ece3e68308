# helpers.bash: what every rsh bats file shares.
#
# A file loads this, starts one rshd in setup_file with start_rshd and
# stops it in teardown_file with stop_rshd.  Tests talk to it with rsh_cmd
# (the client with the file's key and port) or with the raw protocol client
# $RSHPROBE.  Nothing here uses a fixed port or sleeps to synchronise:
# wait_until polls a condition with a time limit.

: "${BATS_LIB:=/usr/lib/bats}"
load "$BATS_LIB/bats-support/load"
load "$BATS_LIB/bats-assert/load"

: "${RSH_BUILD:=$BATS_TEST_DIRNAME/../build/release}"
RSH_BUILD=$(cd "$RSH_BUILD" && pwd) || return 1

# SLOW: how many times longer than the release build this build may take
# for the same work: 4 under ASan+UBSan (a command and its round trip took
# 3.3 to 4.5 times as long as in the release build, side by side on a
# loaded 2-core machine), else 1.  RSH_TEST_SLOW (a whole number) sets it
# for a slow or loaded machine.  Every time limit that only catches a hang
# is scaled by it (wait_until's, `timeout $(scaled N)`, BATS_TEST_TIMEOUT),
# and so is every "promptly" bound, whose command is made to last far
# longer than the scaled bound so that the bound still proves something.
if [ -n "${RSH_TEST_SLOW:-}" ]; then
	SLOW=$RSH_TEST_SLOW
elif [[ $(basename "$RSH_BUILD") == *asan* ]]; then
	SLOW=4
else
	SLOW=1
fi
export SLOW

# scaled N: N (a whole number: seconds, milliseconds) times SLOW.
scaled() {
	echo $(($1 * SLOW))
}

# As root, rshd drops its network part to _rshd: the account must exist
# (make deps makes it; this is for bats run by hand).
if [ "$(id -u)" -eq 0 ] && ! getent passwd _rshd >/dev/null; then
	sh "$BATS_TEST_DIRNAME/netaccount.sh"
fi

# A hung test fails instead of hanging the suite.
: "${BATS_TEST_TIMEOUT:=$(scaled 90)}"
RSHD=$RSH_BUILD/rshd
RSH=$RSH_BUILD/rsh
RSHPROBE=$RSH_BUILD/tools/rshprobe
UDPPROBE=$RSH_BUILD/tools/udpprobe
export RSH_BUILD RSHD RSH RSHPROBE UDPPROBE

# The flag start_rshd gives to keep UDP off; a file that tests UDP sets it
# empty.
: "${RSHD_NO_UDP=--no-udp}"

# wait_until COND [SECONDS]: evaluates COND (a shell command string) every
# 20 ms until it succeeds (0) or SECONDS (default 10) times SLOW have
# passed (1).  A limit here only stops a wait for what must happen; a test
# that something does NOT happen within a time checks that itself.
wait_until() {
	local cond=$1 limit=$(scaled "${2:-10}") deadline
	deadline=$(($(date +%s%N) / 1000000 + limit * 1000))
	while ! eval "$cond"; do
		if (($(date +%s%N) / 1000000 >= deadline)); then
			echo "wait_until: still false after ${limit}s: $cond" >&2
			return 1
		fi
		sleep 0.02
	done
}

# barrier_open DIR: a barrier that remote commands wait at, in DIR (a
# FIFO this shell holds open on fd 7; start clients with 7>&-).
# barrier_cmd DIR N: shell text for a command: it marks itself started
# (DIR/started.N) and waits, without polling, until barrier_release DIR.
# barrier_count DIR: how many have started.
barrier_open() {
	mkdir -p "$1" && mkfifo "$1/fifo" && exec 7<>"$1/fifo"
}
barrier_cmd() {
	echo "exec 9<$1/fifo; touch $1/started.$2; cat <&9 >/dev/null"
}
barrier_count() {
	find "$1" -name 'started.*' | wc -l
}
barrier_release() {
	exec 7>&-
}

# now_ms: milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# wait_progress PID FILE SECONDS: waits for PID (a child of this shell) to
# end while FILE keeps growing; returns PID's status, or kills PID and
# fails when FILE did not grow for SECONDS times SLOW.  For work whose
# total time depends on the machine's load but that must never stall.
wait_progress() {
	local pid=$1 file=$2 quiet=$(($(scaled "$3") * 1000)) size=-1 now last
	last=$(now_ms)
	while proc_alive "$pid"; do
		now=$(now_ms)
		if [ "$(stat -c %s "$file" 2>/dev/null || echo 0)" != "$size" ]; then
			size=$(stat -c %s "$file" 2>/dev/null || echo 0)
			last=$now
		elif ((now - last >= quiet)); then
			echo "wait_progress: $file did not grow for" \
			    "$(scaled "$3") s" >&2
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	wait "$pid"
}

# make_keys DIR [KEYID]: a fresh key, as `rsh --keygen` prints it, in both
# DIR/keys (the server's) and DIR/key (the client's), mode 0600.
make_keys() {
	local dir=$1 id=${2:-test} line
	mkdir -p "$dir" || return 1
	line=$("$RSH" --keygen "$id") || return 1
	(umask 077 && printf '%s\n' "$line" >"$dir/keys" &&
		printf '%s\n' "$line" >"$dir/key") || return 1
	chmod 600 "$dir/keys" "$dir/key"
}

# proc_alive PID: the process exists and is not a zombie.
proc_alive() {
	local state
	state=$(awk '/^State:/ { print $2; exit }' "/proc/$1/status" \
	    2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# start_rshd DIR [ARG...]: starts rshd in the foreground mode, in the
# background, on 127.0.0.1 with an ephemeral port and the keys in
# DIR/keys (made with make_keys unless there), logging to DIR/rshd.log
# (RSHD_LISTEN: another address than 127.0.0.1 to listen on).
# No config file unless the test passes -f: the default one rshd reads
# without -f (SYSCONFDIR/rsh/rshd.conf) may exist on this host.
# AuthTimeout is its default, 5 s, times SLOW: a slower build takes
# longer to authenticate a burst of clients.
# Keys without user= are allowed under root (CI runs as root), and
# SIGTERM stops running commands at once (ShutdownGrace 0): a test of
# either passes its own -o, which comes later and wins.
# Waits up to 10 s for the port file.  Sets and exports RSHD_PID, RSHD_PORT,
# RSHD_DIR and RSH_KEYFILE; also writes DIR/rshd.pid for stop_test_rshds.
start_rshd() {
	local dir=$1
	shift
	mkdir -p "$dir" || return 1
	[ -f "$dir/keys" ] || make_keys "$dir" || return 1
	rm -f "$dir/port"
	# A script's background job starts with SIGINT and SIGQUIT ignored; a
	# daemon started by init would not: env gives them back.
	# RSHD_WRAP: a program (and its arguments) that starts rshd.
	${RSHD_WRAP:-} env --default-signal=INT,QUIT "$RSHD" -D -p 0 \
	    --port-file "$dir/port" \
	    -l "${RSHD_LISTEN:-127.0.0.1}" $RSHD_NO_UDP -f none -k "$dir/keys" \
	    -o PermitRootCommands=yes -o ShutdownGrace=0 \
	    -o AuthTimeout="$(scaled 5)s" "$@" \
	    </dev/null >>"$dir/rshd.log" 2>&1 3>&- &
	RSHD_PID=$!
	echo "$RSHD_PID" >"$dir/rshd.pid"
	if ! wait_until "[ -s '$dir/port' ] || ! proc_alive $RSHD_PID" 10 ||
	    ! [ -s "$dir/port" ]; then
		echo "rshd did not start; its log:" >&2
		cat "$dir/rshd.log" >&2
		return 1
	fi
	RSHD_PORT=$(cat "$dir/port")
	RSHD_DIR=$dir
	RSH_KEYFILE=$dir/key
	export RSHD_PID RSHD_PORT RSHD_DIR RSH_KEYFILE
}

# strace_or_skip: skips the test, saying why, where strace cannot trace.
strace_or_skip() {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -f -o /dev/null true 2>/dev/null ||
	    skip "strace cannot trace here (ptrace refused)"
}

# start_traced_rshd DIR STRACE_ARG... [-- ARG...]: start_rshd DIR ARG...
# under `strace -f --seccomp-bpf -o DIR/strace.log STRACE_ARG...` (no
# argument may hold a space).  RSHD_PID and DIR/rshd.pid are rshd's own
# pid, strace's child; strace ends with it.
start_traced_rshd() {
	local dir=$1 st=() pid
	shift
	while [ $# -ge 1 ] && [ "$1" != -- ]; do
		st+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	mkdir -p "$dir" || return 1
	RSHD_WRAP="strace -f --seccomp-bpf -o $dir/strace.log ${st[*]}" \
	    start_rshd "$dir" "$@" || return 1
	pid=$(children_of "$RSHD_PID")
	[ -n "$pid" ] || return 1
	RSHD_PID=$pid
	echo "$RSHD_PID" >"$dir/rshd.pid"
	export RSHD_PID
}

# keyed_rshd DIR OPTIONS [ARG...]: an rshd whose one key carries OPTIONS.
keyed_rshd() {
	local d=$1 opts=$2
	shift 2
	make_keys "$d" || return 1
	printf '%s %s\n' "$(cat "$d/keys")" "$opts" >"$d/keys.new" &&
	    mv "$d/keys.new" "$d/keys" && chmod 600 "$d/keys" || return 1
	start_rshd "$d" "$@"
}

# stop_rshd [PID]: TERM, up to 10 s to go, then KILL.  Returns rshd's exit
# status when it is this shell's child (under ASan a leak makes it 1),
# else 0; 1 when it needed KILL.
stop_rshd() {
	local pid=${1:-$RSHD_PID} rc=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_until "! proc_alive $pid" 10; then
		echo "rshd $pid did not stop on TERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 1
	fi
	wait "$pid" 2>/dev/null || rc=$?
	# 127: not our child, so its status is unknown.
	[ "$rc" -ne 127 ] || rc=0
	return "$rc"
}

# stop_test_rshds: stops every rshd a test started under its own
# BATS_TEST_TMPDIR (call from teardown).
stop_test_rshds() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*/rshd.pid; do
		[ -f "$f" ] || continue
		stop_rshd "$(cat "$f")" || echo "$f: rshd exited $?" >&2
		rm -f "$f"
	done
}

# show_logs_on_failure: from teardown, prints the end of every rshd log of
# this file and test when the test failed.
show_logs_on_failure() {
	local f
	[ -z "${BATS_TEST_COMPLETED:-}" ] || return 0
	for f in "$BATS_FILE_TMPDIR"/*/rshd.log "$BATS_TEST_TMPDIR"/*/rshd.log; do
		[ -f "$f" ] || continue
		echo "--- last lines of $f"
		tail -n 40 "$f"
	done
}

# udpprobe [-OPTION VALUE]... STEP...: the raw UDP client against this
# file's server (-P, the one option without a value, goes last).
udpprobe() {
	local opts=()
	while [ $# -ge 1 ] && [[ $1 == -* ]]; do
		if [ "$1" = -P ]; then
			opts+=("$1")
			shift
		else
			opts+=("$1" "$2")
			shift 2
		fi
	done
	"$UDPPROBE" -k "$RSH_KEYFILE" "${opts[@]}" 127.0.0.1 "$RSHD_PORT" "$@"
}

# rsh_cmd ARG...: the client with this file's key and server.
rsh_cmd() {
	"$RSH" -k "$RSH_KEYFILE" -p "$RSHD_PORT" "$@"
}

# probe [-OPTION VALUE]... STEP...: the raw protocol client against this
# file's server.
probe() {
	local opts=()
	while [ $# -ge 2 ] && [[ $1 == -* ]]; do
		opts+=("$1" "$2")
		shift 2
	done
	"$RSHPROBE" -k "$RSH_KEYFILE" "${opts[@]}" 127.0.0.1 "$RSHD_PORT" "$@"
}

# children_of PID: the pids of PID's children, zombies included.
children_of() {
	if [ -r "/proc/$1/task/$1/children" ]; then
		cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' |
		    grep -v '^$'
	else
		awk -v p="$1" '/^PPid:/ { if ($2 == p) { n = split(FILENAME,
		    a, "/"); print a[3] } nextfile }' /proc/[0-9]*/status \
		    2>/dev/null
	fi
	return 0
}

# monitor_of PID: rshd's privileged part, the child it names rshd-priv.
monitor_of() {
	local c
	for c in $(children_of "$1"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" != rshd-priv ] ||
		    echo "$c"
	done
	return 0
}

# commands_of PID: what rshd runs: its privileged part's children, and
# rshd's own other children (the orphans a PID 1 adopts).
commands_of() {
	local c m
	m=$(monitor_of "$1")
	for c in $(children_of "$1"); do
		[ "$c" = "$m" ] || echo "$c"
	done
	[ -z "$m" ] || children_of "$m"
	return 0
}

# descendants_of PID: children, grandchildren and so on.
descendants_of() {
	local c
	for c in $(children_of "$1"); do
		echo "$c"
		descendants_of "$c"
	done
}

# rshd_fds, rshd_children, rshd_threads [PID]: rshd's open descriptors,
# commands (zombies included) and threads.
# Both parts count: the network part and its privileged part.
rshd_fds() {
	local p=${1:-$RSHD_PID}
	ls "/proc/$p/fd" $(monitor_of "$p" | sed 's|.*|/proc/&/fd|') |
	    grep -c '^[0-9]'
}
rshd_children() {
	commands_of "${1:-$RSHD_PID}" | wc -l
}
rshd_threads() {
	local p=${1:-$RSHD_PID}
	cat "/proc/$p/status" $(monitor_of "$p" | sed 's|.*|/proc/&/status|') |
	    awk '/^Threads:/ { n += $2 } END { print n }'
}

# monitor_threads [PID]: the threads of rshd's privileged part.
monitor_threads() {
	awk '/^Threads:/ { print $2 }' \
	    "/proc/$(monitor_of "${1:-$RSHD_PID}")/status"
}

# remote_pids MARKER: rshd's descendants whose command line contains
# MARKER (the client's own command line does not count).
remote_pids() {
	local p
	for p in $(descendants_of "$RSHD_PID"); do
		if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null |
		    grep -qF -- "$1"; then
			echo "$p"
		fi
	done
}

# marked_alive MARKER: a live process anywhere on the machine carries
# MARKER in its command line (one that left rshd's tree included).
marked_alive() {
	pgrep -f -- "$1" >/dev/null
}

# wait_remote MARKER: waits up to 10 s for a remote process marked MARKER;
# prints its pid and its descendants' pids on one line.
wait_remote() {
	local p all=()
	wait_until "[ -n \"\$(remote_pids '$1')\" ]" 10 || return 1
	for p in $(remote_pids "$1"); do
		all+=("$p" $(descendants_of "$p"))
	done
	echo "${all[*]}"
}

# all_gone PID...: none of these processes is alive (zombies count as
# alive: a zombie is a child nobody reaped).
all_gone() {
	local p
	for p in "$@"; do
		[ -d "/proc/$p" ] && return 1
	done
	return 0
}

# netns_skip_reason: why this machine cannot make network namespaces
# (not root, no ip, ip netns refused), or nothing.
netns_skip_reason() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root for network namespaces"
	elif ! command -v ip >/dev/null; then
		echo "ip (iproute2) is not installed"
	elif ! ip netns add "rshprobe$$" 2>/dev/null; then
		echo "ip netns does not work here (no CAP_SYS_ADMIN?)"
	else
		ip netns del "rshprobe$$"
	fi
}

# loaded_libs CMD...: the libraries the loader maps for CMD, linked or
# dlopened, as file=NAME lines (LD_DEBUG=files); CMD's own output is
# dropped, its status kept.
loaded_libs() {
	local rc=0
	LD_DEBUG=files "$@" 2>"$BATS_TEST_TMPDIR/ld.debug" >/dev/null || rc=$?
	grep -o 'file=lib[^ ]*' "$BATS_TEST_TMPDIR/ld.debug" | sort -u
	return "$rc"
}

# crypto_soname: the SONAME of the libcrypto rshd links (rsh dlopens it).
crypto_soname() {
	readelf -d "$RSHD" | sed -n 's/.*(NEEDED).*\[\(libcrypto[^]]*\)\].*/\1/p'
}

# unique_marker: a string no other process on the machine carries.
unique_marker() {
	echo "rsh-test-marker-$BASHPID-$RANDOM$RANDOM"
}

# record_baseline: rshd's fds and threads once it has served one command
# (lazily opened resources count as part of the baseline).
record_baseline() {
	rsh_cmd 127.0.0.1 true </dev/null || return 1
	wait_until "[ \$(rshd_children) -eq 0 ]" 10 || return 1
	# Quiet: every channel parked, the privileged part down to its
	# own three threads (main, chanpark, startwatch).
	wait_until "[ \$(monitor_threads) -le 3 ]" 10 || return 1
	RSHD_BASE_FDS=$(rshd_fds)
	RSHD_BASE_THREADS=$(rshd_threads)
	export RSHD_BASE_FDS RSHD_BASE_THREADS
}

# at_baseline: rshd holds its baseline fds and threads and no child.
at_baseline() {
	[ "$(rshd_fds)" -eq "$RSHD_BASE_FDS" ] &&
	    [ "$(rshd_threads)" -eq "$RSHD_BASE_THREADS" ] &&
	    [ "$(rshd_children)" -eq 0 ]
}

# assert_rshd_at_baseline: waits up to 15 s for at_baseline, else fails
# showing what is left.
assert_rshd_at_baseline() {
	proc_alive "$RSHD_PID" || fail "rshd is no longer running"
	if ! wait_until at_baseline 15; then
		echo "fds: $(rshd_fds) (baseline $RSHD_BASE_FDS)"
		ls -l "/proc/$RSHD_PID/fd"
		echo "threads: $(rshd_threads) (baseline $RSHD_BASE_THREADS)"
		echo "children: $(children_of "$RSHD_PID" | tr '\n' ' ')"
		fail "rshd did not return to its baseline"
	fi
}

# Standard file setup and teardown: one rshd for the whole file.
rsh_setup_file() {
	start_rshd "$BATS_FILE_TMPDIR/srv" "$@" || return 1
	record_baseline
}

# Stops the file's rshd; fails, showing its log, unless it exits 0.
rsh_teardown_file() {
	local rc=0
	stop_rshd "$RSHD_PID" || rc=$?
	# Under ASan/UBSan a report in the daemon's log fails the file too.
	if grep -qE 'Sanitizer|runtime error:' "$RSHD_DIR/rshd.log"; then
		rc=1
	fi
	if [ "$rc" -ne 0 ]; then
		echo "rshd exited $rc on SIGTERM; its log ends with:" >&2
		tail -n 40 "$RSHD_DIR/rshd.log" >&2
		return 1
	fi
}

rsh_teardown() {
	show_logs_on_failure
	stop_test_rshds
}
