#!/bin/sh
# bench/fanout.sh BUILD_DIR: fan-out of `true` to 100 and 1,000 targets at
# fanout 32: `rsh -w` (one process, one poll loop) against
# `pdsh -R exec ... rsh %h true` (a process per host) when pdsh is
# installed.  The targets are host names t1, t2, ... that the client
# config maps to one rshd on 127.0.0.1 (HostName), so nothing leaves
# loopback and no root is needed; each target is a separate connection
# and handshake.  Figures only: nothing here passes or fails on speed.
# bench/run.sh may call it; it stands alone too.
#
# Environment: TRIES (runs per row, median kept, default 5), TARGETS
# (default "100 1000"), FANOUT (default 32).
set -eu
exec </dev/null

if [ $# -ne 1 ]; then
	echo "usage: sh bench/fanout.sh BUILD_DIR" >&2
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
tries=${TRIES:-5}
targets=${TARGETS:-100 1000}
fanout=${FANOUT:-32}

dir=$(mktemp -d "${TMPDIR:-/tmp}/rsh-fanout.XXXXXX")
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
trap 'exit 143' TERM

umask 077
"$rsh" --keygen bench >"$dir/keys"
cp "$dir/keys" "$dir/key"
# Every connection comes from 127.0.0.1: the per-source handshake limit
# must let a whole fan-out through.
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
printf 'Host t*\n    HostName 127.0.0.1\n    Port %s\n    Key %s\n' \
    "$(cat "$dir/port")" "$dir/key" >"$dir/config"

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
