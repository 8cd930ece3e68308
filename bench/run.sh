#!/bin/sh
# bench/run.sh BUILD_DIR: what `make bench` runs.  Prints, side by side in
# one run, the latency of `rsh 127.0.0.1 true` (TCP and UDP) against a
# local `sh -c true`, commands per second with 8 clients at once, the
# stdout throughput of `head -c 1G /dev/zero` through rsh against a local
# pipe (and ssh to localhost when it works without a password), and what a
# bystander's `rsh true` costs while 250 commands that ignore SIGTERM are
# being stopped.  Figures only: nothing here passes or fails on speed.
#
# Environment: RUNS (latency runs, default 300), TRIES (throughput runs,
# best kept, default 3), SIZE (bytes for throughput, default 1 GiB), CMDS
# (commands for the commands-per-second rows, default 2000), STORM
# (commands stopped at once, default 250).
set -eu
# Every command gets the same stdin: /dev/null, as a script or cron job
# would give it (rsh sends NO_STDIN for it).
exec </dev/null

if [ $# -ne 1 ]; then
	echo "usage: sh bench/run.sh BUILD_DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
rshd=$build/rshd
rsh=$build/rsh
timeit=$build/tools/timeit
for p in "$rshd" "$rsh" "$timeit"; do
	if [ ! -x "$p" ]; then
		echo "bench: $p is missing; run make first" >&2
		exit 1
	fi
done
runs=${RUNS:-300}
tries=${TRIES:-3}
size=${SIZE:-1073741824}
cmds=${CMDS:-2000}
storm=${STORM:-250}

dir=$(mktemp -d "${TMPDIR:-/tmp}/rsh-bench.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

umask 077
"$rsh" --keygen bench >"$dir/keys"
cp "$dir/keys" "$dir/key"
# The storm opens STORM connections at once from one address.
"$rshd" -D -l 127.0.0.1 -p 0 --port-file "$dir/port" -k "$dir/keys" \
    -o MaxConnections=1024 -o MaxUnauthenticated=512 \
    -o MaxUnauthenticatedPerSource=512 -o PermitRootCommands=yes \
    </dev/null >"$dir/rshd.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$dir/port" ]; do
	i=$((i + 1))
	if [ "$i" -gt 500 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "bench: rshd did not start:" >&2
		cat "$dir/rshd.log" >&2
		exit 1
	fi
	sleep 0.02
done
host=127.0.0.1:$(cat "$dir/port")
key=$dir/key

# ssh to localhost only counts when it needs no password and no question.
sshopts="-o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=no"
if ssh $sshopts localhost true </dev/null >/dev/null 2>&1; then
	have_ssh=1
else
	have_ssh=0
fi

# lat ID LABEL CMD...: one latency row (min, median, p90 in ms); keeps
# the median in $dir/median.ID.
lat() {
	id=$1
	label=$2
	shift 2
	r=$("$timeit" -n "$runs" "$@" </dev/null) || {
		echo "bench: $label: a run failed" >&2
		exit 1
	}
	set -- $r
	printf '  %-34s %8.2f %8.2f %8.2f\n' "$label" \
	    "$(echo "$1" | awk '{ print $1 / 1000 }')" \
	    "$(echo "$2" | awk '{ print $1 / 1000 }')" \
	    "$(echo "$3" | awk '{ print $1 / 1000 }')"
	echo "$2" >"$dir/median.$id"
}

# thru LABEL CMD...: one throughput row (best of TRIES, MB/s).
thru() {
	label=$1
	shift
	r=$("$timeit" -w 0 -n "$tries" "$@" </dev/null) || {
		echo "bench: $label: a run failed" >&2
		exit 1
	}
	set -- $r
	printf '  %-34s %8.0f MB/s  (%.2f s)\n' "$label" \
	    "$(awk -v b="$size" -v us="$1" 'BEGIN { print b / us }')" \
	    "$(awk -v us="$1" 'BEGIN { print us / 1000000 }')"
}

echo "rsh benchmark: $(uname -sr), $(nproc) CPUs, build $build"
echo
printf 'Latency, %s runs (ms)                   min   median      p90\n' \
    "$runs"
lat local "local: sh -c true" sh -c true
# rshd runs the command with the account's shell: show that one's cost too.
acct_shell=$(getent passwd "$(id -un)" | cut -d: -f7)
case $acct_shell in
"" | /bin/sh | /usr/bin/sh) ;;
*) lat acct "local: ${acct_shell##*/} -c true (account's)" \
	"$acct_shell" -c true ;;
esac
lat rsh "rsh 127.0.0.1 true" "$rsh" -k "$key" "$host" true
lat rshx "rsh -x 127.0.0.1 true (no shell)" "$rsh" -k "$key" -x "$host" true
lat udp "rsh -u 127.0.0.1 true (UDP)" "$rsh" -k "$key" -u "$host" true
lat udpx "rsh -u -x 127.0.0.1 true (UDP)" "$rsh" -k "$key" -u -x "$host" true
if [ "$have_ssh" = 1 ]; then
	lat ssh "ssh localhost true" ssh $sshopts localhost true
else
	echo "  ssh localhost true: skipped (no non-interactive ssh to localhost)"
fi
# gap A B LABEL: the difference of two medians, in ms.
gap() {
	[ -s "$dir/median.$1" ] && [ -s "$dir/median.$2" ] || return 0
	printf '  %-38s %.2f ms\n' "$3" "$(awk -v a="$(cat "$dir/median.$1")" \
	    -v b="$(cat "$dir/median.$2")" 'BEGIN { print (a - b) / 1000 }')"
}
gap rsh local "rsh minus local sh -c, median:"
gap rshx local "rsh -x minus local sh -c, median:"
gap rsh acct "rsh minus the account's shell, median:"
gap udp local "rsh -u minus local sh -c, median:"
gap udpx local "rsh -u -x minus local sh -c, median:"

# cps LABEL CMD...: CMDS runs of CMD, 8 at a time: commands per second.
cps() {
	label=$1
	shift
	t0=$(date +%s%N)
	seq "$cmds" | xargs -P8 -n1 sh -c '"$@" >/dev/null || exit 255' sh \
	    "$@" || {
		echo "bench: $label: a run failed" >&2
		exit 1
	}
	t1=$(date +%s%N)
	printf '  %-34s %8.0f /s\n' "$label" \
	    "$(awk -v n="$cmds" -v ns=$((t1 - t0)) 'BEGIN { print n / (ns / 1e9) }')"
}

echo
echo "Commands per second, $cmds runs, 8 at a time (each a new client process)"
cps "local: sh -c true" sh -c true
cps "rsh 127.0.0.1 true" "$rsh" -k "$key" "$host" true
cps "rsh -u 127.0.0.1 true (UDP)" "$rsh" -k "$key" -u "$host" true

echo
echo "Throughput of $size bytes of stdout, best of $tries"
thru "local pipe: head | cat" sh -c "head -c $size /dev/zero | cat"
thru "rsh 127.0.0.1 head" "$rsh" -k "$key" -n -x "$host" head -c "$size" \
    /dev/zero
if [ "$have_ssh" = 1 ]; then
	thru "ssh localhost head" ssh $sshopts localhost \
	    "head -c $size /dev/zero"
else
	echo "  ssh localhost head: skipped (no non-interactive ssh to localhost)"
fi

# The stop storm: STORM commands that ignore SIGTERM lose their clients at
# once; rshd stops every group (TERM, KillGrace, KILL) while a bystander
# runs `rsh true`.
echo
echo "A bystander's rsh true while $storm TERM-ignoring commands are stopped"
lat calm "rsh true, before the storm" "$rsh" -k "$key" "$host" true
: >"$dir/storm.pids"
i=0
while [ "$i" -lt "$storm" ]; do
	"$rsh" -k "$key" -n "$host" "trap '' TERM; exec sleep 60.123456" \
	    >/dev/null 2>&1 &
	echo $! >>"$dir/storm.pids"
	i=$((i + 1))
done
i=0
while [ "$(pgrep -f '^sleep 60.123456$' | wc -l)" -lt "$storm" ]; do
	i=$((i + 1))
	if [ "$i" -gt 1500 ]; then
		echo "bench: the storm's commands did not all start" >&2
		exit 1
	fi
	sleep 0.02
done
kill -KILL $(cat "$dir/storm.pids") 2>/dev/null || true
runs_saved=$runs
runs=20
lat storm "rsh true, during the stop (KillGrace)" "$rsh" -k "$key" "$host" true
runs=$runs_saved
i=0
while pgrep -f '^sleep 60.123456$' >/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 1000 ]; then
		echo "bench: the storm's commands survived" >&2
		exit 1
	fi
	sleep 0.02
done
echo "  every one of the $storm groups was gone after $((i * 20)) ms more"
