#!/bin/bash
# bench/ab.sh BASE_BUILD BUILD [ROUNDS]: what `make bench-ab` runs.  Two
# rshds side by side, BASE_BUILD's and BUILD's, measured with BUILD's rsh
# and tools in alternating rounds (base, new, new, base, base, new ...),
# so that what else the machine does weighs on both alike: the way to
# show that a change to rshd costs no speed on a machine that is not
# quiet.  Each round:
#
#   latency   the median of RUNS runs of `rsh 127.0.0.1 true`;
#   rate      commands per second, 8 clients at a time, CMDS runs;
#   stdout    OUT bytes of a remote head -c, MB/s;
#   stdin     IN bytes into a remote cat >/dev/null, MB/s;
#
# then PAIRS calls of `rsh 127.0.0.1 true` to each, base and new taking
# turns call by call (the first of each pair alternating), for a latency
# that drifts with the machine far less than the rounds' medians do, and
# the CPU time of all rshd's processes and its commands per call (what
# the machine's load does not change); then, once each, rshd's memory
# (RSS and PSS, all its processes) per idle authenticated connection,
# IDLE of them.  It prints the median over the rounds for each, new
# against base, and for the rounds' figures also the median of new
# against base within each round (drift cancels there).
#
# BASE_BUILD's rshd may be a wrapper script (an rshd from before -f none
# existed, say) as long as it execs rshd.
# Environment: ROUNDS (5), RUNS (40), CMDS (200), OUT (64 MiB), IN (64 MiB),
# PAIRS (200), IDLE (300).
set -eu
exec </dev/null

if [ $# -lt 2 ]; then
	echo "usage: bash bench/ab.sh BASE_BUILD BUILD [ROUNDS]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
lib_name=bench-ab
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
base_build=$(cd "$1" && pwd)
lib_build "$2" rshd rsh tools/timeit tools/holdconns
rounds=${3:-${ROUNDS:-5}}
runs=${RUNS:-40} cmds=${CMDS:-200} out=${OUT:-67108864} in=${IN:-67108864}
idle=${IDLE:-300} pairs=${PAIRS:-200}
rsh=$build/rsh
timeit=$build/tools/timeit

lib_tmpdir rsh-ab
trap 'lib_stop_all; rm -rf "$dir"' EXIT
lib_signals
lib_keys
new_build=$build

# start NAME BUILD: an rshd of BUILD; sets pid_NAME and port_NAME.
start() {
	local top=$dir
	build=$2
	dir=$top/$1
	mkdir -p "$dir"
	cp "$top/keys" "$dir/keys"
	lib_rshd
	eval "pid_$1=\$rshd_pid port_$1=\$rport"
	dir=$top
	build=$new_build
}
start base "$base_build"
start new "$new_build"

# sample NAME: one round against rshd NAME, as "latency_us rate out in".
sample() {
	local port r lat rate o i
	port=$(eval echo "\$port_$1")
	local c=("$rsh" -k "$dir/key" -p "$port")
	r=$("$timeit" -n "$runs" "${c[@]}" 127.0.0.1 true)
	lat=$(echo "$r" | awk '{ print $2 }')
	r=$("$timeit" -w 0 -c 8 -n "$cmds" "${c[@]}" 127.0.0.1 true)
	rate=$(echo "$r" | awk -v n="$cmds" '{ printf "%.1f", n * 1e6 / $5 }')
	r=$("$timeit" -w 0 -n 1 "${c[@]}" 127.0.0.1 "head -c $out /dev/zero")
	o=$(echo "$r" | awk -v b="$out" '{ printf "%.0f", b / $2 }')
	r=$("$timeit" -w 0 -n 1 sh -c "head -c $in /dev/zero | \
	    $(printf '%q ' "${c[@]}") 127.0.0.1 'cat >/dev/null'")
	i=$(echo "$r" | awk -v b="$in" '{ printf "%.0f", b / $2 }')
	echo "$lat $rate $o $i"
}


# cpu_ticks NAME: user and system time of rshd NAME's processes and of
# the commands they reaped, in clock ticks.
cpu_ticks() {
	local p sum=0 f
	for p in $(lib_tree_pids "$(eval echo "\$pid_$1")"); do
		# Fields 14-17 of stat: utime stime cutime cstime.
		read -ra f < <(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null)
		[ "${#f[@]}" -lt 15 ] ||
		    sum=$((sum + f[11] + f[12] + f[13] + f[14]))
	done
	echo "$sum"
}
# paired: PAIRS calls to each rshd in turn; "base_ms new_ms" medians of
# the wall time of each call in DIR/pairs, then CPU ms per call of each.
paired() {
	local i k p t0 t1 c0b c0n
	c0b=$(cpu_ticks base) c0n=$(cpu_ticks new)
	for ((i = 0; i < pairs; i++)); do
		for k in $((i % 2)) $((1 - i % 2)); do
			[ "$k" = 0 ] && p=$port_base || p=$port_new
			t0=$EPOCHREALTIME
			"$rsh" -k "$dir/key" -p "$p" 127.0.0.1 true
			t1=$EPOCHREALTIME
			echo "$k $((${t1/./} - ${t0/./}))"
		done
	done >"$dir/pairs"
	awk -v n="$pairs" -v hz="$(getconf CLK_TCK)" \
	    -v cb="$(($(cpu_ticks base) - c0b))" \
	    -v cn="$(($(cpu_ticks new) - c0n))" '
	    { v[$1, ++c[$1]] = $2 }
	    function med(k,   i, j, t, a) {
		for (i = 1; i <= c[k]; i++) a[i] = v[k, i]
		for (i = 1; i <= c[k]; i++) for (j = i + 1; j <= c[k]; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return c[k] % 2 ? a[(c[k] + 1) / 2] : \
		    (a[c[k] / 2] + a[c[k] / 2 + 1]) / 2
	    }
	    END { printf "%.2f %.2f %.2f %.2f", med(0) / 1000, med(1) / 1000,
		cb * 1000 / hz / n, cn * 1000 / hz / n }' "$dir/pairs"
}
# idle_cost NAME: "RSS PSS" KiB per idle connection to rshd NAME.
idle_cost() {
	local pid port r0 p0 r1 p1 h
	pid=$(eval echo "\$pid_$1")
	port=$(eval echo "\$port_$1")
	r0=$(lib_tree_kib "$pid" Rss) p0=$(lib_tree_kib "$pid" Pss)
	rm -f "$dir/hold.in" "$dir/hold.out"
	mkfifo "$dir/hold.in"
	"$build/tools/holdconns" -k "$dir/key" 127.0.0.1 "$port" "$idle" \
	    <"$dir/hold.in" >"$dir/hold.out" 2>>"$dir/errors" 3>&- &
	h=$!
	exec 4>"$dir/hold.in"
	while ! grep -q '^ready' "$dir/hold.out" && kill -0 "$h" 2>/dev/null; do
		sleep 0.1
	done
	# Idle: two seconds after the last connection came, past rshd's
	# PARK_AFTER_MS and the privileged part's trim a second after it.
	sleep 2
	r1=$(lib_tree_kib "$pid" Rss) p1=$(lib_tree_kib "$pid" Pss)
	exec 4>&-
	wait "$h" || true
	awk -v a="$r0" -v b="$r1" -v c="$p0" -v d="$p1" -v n="$idle" \
	    'BEGIN { printf "%.1f %.1f", (b - a) / n, (d - c) / n }'
}

echo "bench-ab: $rounds rounds, base $base_build, new $new_build" >&2
uptime >&2
for ((k = 1; k <= rounds; k++)); do
	# Base first in odd rounds, new first in even ones: whatever the
	# first of a round leaves behind (a warm cache, writeback, a busy
	# core) weighs on both alike.
	if [ $((k % 2)) = 1 ]; then
		sample base >>"$dir/base.txt"
		sample new >>"$dir/new.txt"
	else
		sample new >>"$dir/new.txt"
		sample base >>"$dir/base.txt"
	fi
	echo "round $k: base $(tail -n 1 "$dir/base.txt"); new $(tail -n 1 "$dir/new.txt")" >&2
done
read -r pair_base pair_new cpu_base cpu_new <<<"$(paired)"
mem_base=$(idle_cost base)
mem_new=$(idle_cost new)
uptime >&2

# med FILE COLUMN: the median of a column.
med() {
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
row() {
	printf '%-44s %10s %10s %9s %9s\n' "$1" "$2" "$3" "$4" "${5:-}"
}
# paired_change COLUMN: the median over rounds of new against base in
# the same round.  The machine drifts (commands per second fell from 103
# to 68 over one 21-round run on a VM just booted), and a round's two
# samples, taken back to back, share its state; the medians of each
# alone do not.
paired_change() {
	paste -d ' ' "$dir/base.txt" "$dir/new.txt" | awk -v c="$1" -v n=4 \
	    '{ print ($(c + n) - $c) * 100 / $c }' | sort -g | awk \
	    '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : \
		(v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%+.1f%%", m }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }'
}
row "" base new change "in a round"
for spec in "1 latency, rsh 127.0.0.1 true (ms)" \
    "2 commands/s, 8 at a time" "3 stdout (MB/s)" "4 stdin (MB/s)"; do
	col=${spec%% *}
	label=${spec#* }
	a=$(med "$dir/base.txt" "$col") b=$(med "$dir/new.txt" "$col")
	if [ "$col" = 1 ]; then
		a=$(awk -v v="$a" 'BEGIN { printf "%.2f", v / 1000 }')
		b=$(awk -v v="$b" 'BEGIN { printf "%.2f", v / 1000 }')
	fi
	row "$label" "$a" "$b" "$(ratio "$a" "$b")" "$(paired_change "$col")"
done
row "latency, $pairs calls in turn (ms)" "$pair_base" "$pair_new" \
    "$(ratio "$pair_base" "$pair_new")"
row "rshd CPU per command, with it (ms)" "$cpu_base" "$cpu_new" \
    "$(ratio "$cpu_base" "$cpu_new")"
row "RSS per idle connection (KiB)" "${mem_base% *}" "${mem_new% *}" \
    "$(ratio "${mem_base% *}" "${mem_new% *}")"
row "PSS per idle connection (KiB)" "${mem_base#* }" "${mem_new#* }" \
    "$(ratio "${mem_base#* }" "${mem_new#* }")"
