#!/bin/sh
# bench/master.sh BUILD_DIR: the latency of `rsh 127.0.0.1 true` direct,
# through a master (rsh -M), of a local `sh -c true` (the floor) and of
# `rsh -V` (rsh's own start, nothing remote), as
# min, median, p90 and max over RUNS runs (default 300), timed by
# tools/timeit.  Figures only: nothing here passes or fails on speed.
# `make bench` (bench/run.sh) measures the same, with the issue's target.
set -eu
exec </dev/null

if [ $# -ne 1 ]; then
	echo "usage: sh bench/master.sh BUILD_DIR" >&2
	exit 2
fi
lib_name=bench
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
lib_build "$1" rshd rsh tools/timeit
rsh=$build/rsh
timeit=$build/tools/timeit
runs=${RUNS:-300}

lib_tmpdir rsh-bench
cleanup() {
	lib_stop_all
	rm -rf "$dir"
}
trap cleanup EXIT
lib_signals

lib_rshd --no-udp
host=127.0.0.1:$rport
# The master's socket in the bench's own directory.
XDG_RUNTIME_DIR=$dir/run
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"

# row LABEL CMD...: min median p90 max in ms.
row() {
	label=$1
	shift
	r=$("$timeit" -n "$runs" "$@") || {
		echo "bench: $label failed" >&2
		exit 1
	}
	echo "$r" | awk -v l="$label" '{ printf "%-28s %8.2f %8.2f %8.2f %8.2f\n",
	    l, $1 / 1000, $2 / 1000, $3 / 1000, $4 / 1000 }'
}

echo "rsh true, $runs runs each (ms)  min   median      p90      max"
row "sh -c true (the floor)" sh -c true
# rsh's own start (no libcrypto: it is loaded for a handshake), nothing
# remote.
row "rsh -V (rsh's start alone)" "$rsh" -V
row "rsh true, direct" "$rsh" -F none -k "$dir/key" "$host" true
"$rsh" -F none -k "$dir/key" -M "$host"
# The master is no child of ours (it went to the background itself).
master_pid=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)
lib_track "$master_pid"
row "rsh true, through a master" "$rsh" -F none -k "$dir/key" "$host" true
"$rsh" -F none -k "$dir/key" -O exit "$host" 2>/dev/null
lib_wait_gone "$master_pid" && lib_forget "$master_pid"
