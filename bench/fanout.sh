#!/bin/sh
# bench/fanout.sh BUILD_DIR: what `make bench-fanout` runs, a quick look at
# one section of `make bench`: fan-out of `true` to 100 and 1,000 targets
# at fanout 32, `rsh -w` (one process, one poll loop) against
# `pdsh -R exec ... rsh %h true` (a process per host) when pdsh is
# installed.  The targets are host names t1, t2, ... that the client
# config maps to one rshd on 127.0.0.1 (HostName), so nothing leaves
# loopback and no root is needed; each target is a separate connection
# and handshake.  Figures only: nothing here passes or fails on speed.
# `make bench` (bench/run.sh) measures the same, and pdsh -R ssh against
# a private sshd beside them.
#
# Environment: TRIES (runs per row, median kept, default 5), TARGETS
# (default "100 1000"), FANOUT (default 32).
set -eu
exec </dev/null

if [ $# -ne 1 ]; then
	echo "usage: sh bench/fanout.sh BUILD_DIR" >&2
	exit 2
fi
lib_name=bench
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
lib_build "$1" rshd rsh tools/timeit
rsh=$build/rsh
timeit=$build/tools/timeit
tries=${TRIES:-5}
targets=${TARGETS:-100 1000}
fanout=${FANOUT:-32}

lib_tmpdir rsh-fanout
cleanup() {
	lib_stop_all
	rm -rf "$dir"
}
trap cleanup EXIT
lib_signals

# Every connection comes from 127.0.0.1: the per-source handshake limit
# must let a whole fan-out through.
lib_rshd -o MaxConnections=1024 -o MaxUnauthenticated=512 \
    -o MaxUnauthenticatedPerSource=512
printf 'Host t*\n    HostName 127.0.0.1\n    Port %s\n    Key %s\n' \
    "$rport" "$dir/key" >"$dir/config"

# row LABEL COMMAND...: the median of TRIES runs, in ms.
row() {
	label=$1
	shift
	r=$("$timeit" -n "$tries" "$@" 2>"$dir/err") || {
		printf '%-46s failed: %s\n' "$label" "$(tail -1 "$dir/err")"
		return 0
	}
	set -- $r
	printf '%-46s %9.1f ms  (min %.1f, max %.1f)\n' "$label" \
	    "$(echo "$2" | awk '{ print $1 / 1000 }')" \
	    "$(echo "$1" | awk '{ print $1 / 1000 }')" \
	    "$(echo "$4" | awk '{ print $1 / 1000 }')"
}

echo "fan-out of true, fanout $fanout, median of $tries runs"
for n in $targets; do
	row "rsh -w t[1-$n] -f $fanout true" \
	    "$rsh" -F "$dir/config" -w "t[1-$n]" -f "$fanout" true
	if command -v pdsh >/dev/null 2>&1; then
		row "pdsh -R exec -f $fanout -w t[1-$n] rsh %h true" \
		    pdsh -R exec -f "$fanout" -w "t[1-$n]" \
		    "$rsh" -F "$dir/config" %h true
	else
		printf '%-46s (pdsh not installed)\n' "pdsh -R exec, $n targets"
	fi
done
