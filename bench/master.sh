#!/bin/sh
# bench/master.sh BUILD_DIR: the latency of `rsh 127.0.0.1 true` direct,
# through a master (rsh -M), of a local `sh -c true` (the floor) and of
# `rsh -V` (rsh's own start, nothing remote), as
# min, median, p90 and max over RUNS runs (default 300), timed by
# tools/timeit.  Figures only: nothing here passes or fails on speed.
set -eu
exec </dev/null

if [ $# -ne 1 ]; then
	echo "usage: sh bench/master.sh BUILD_DIR" >&2
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

dir=$(mktemp -d "${TMPDIR:-/tmp}/rsh-bench.XXXXXX")
pid=
master=
cleanup() {
	if [ -n "$master" ]; then
		kill -TERM "$master" 2>/dev/null || true
	fi
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

umask 077
"$rsh" --keygen bench >"$dir/keys"
cp "$dir/keys" "$dir/key"
"$rshd" -D -l 127.0.0.1 -p 0 --port-file "$dir/port" -k "$dir/keys" \
    --no-udp -o PermitRootCommands=yes </dev/null >"$dir/rshd.log" 2>&1 &
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
# rsh's own start (the loader binds libcrypto eagerly), nothing remote.
row "rsh -V (rsh's start alone)" "$rsh" -V
row "rsh true, direct" "$rsh" -F none -k "$dir/key" "$host" true
"$rsh" -F none -k "$dir/key" -M "$host"
master=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)
row "rsh true, through a master" "$rsh" -F none -k "$dir/key" "$host" true
"$rsh" -F none -k "$dir/key" -O exit "$host" 2>/dev/null
master=
