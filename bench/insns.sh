#!/bin/sh
# bench/insns.sh BUILD_DIR [BASE_DIR]: the instructions (callgrind's Ir)
# that the calling rsh executes, whole process from exec to exit, for
# `rsh -V`, `rsh -h`, `rsh HOST true` through a master and direct, with
# /bin/true as the floor (the least a dynamically linked libc program
# costs).  Each figure also says how much of it is the dynamic loader's
# (ld.so: mapping and relocating libraries, binding symbols) and how much
# runs in libcrypto.  With BASE_DIR, the same rows for BASE_DIR's rsh side
# by side (e.g. a build of main, before a change).  One rshd, from
# BUILD_DIR, serves both; each master is started by the rsh it serves.
#
# Instructions are counted, not timed: the figures repeat within a few
# hundred instructions from run to run and machine to machine with the
# same libraries, however loaded the machine is.  `make bench-insns`
# (BENCH_BASE=DIR for the second column) runs it.
set -eu
exec </dev/null

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: sh bench/insns.sh BUILD_DIR [BASE_DIR]" >&2
	exit 2
fi
lib_name=bench
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
base=
if [ $# -eq 2 ]; then
	lib_build "$2" rsh
	base=$build
fi
lib_build "$1" rshd rsh
if ! command -v valgrind >/dev/null; then
	echo "bench: valgrind is missing (Debian: apt-get install valgrind)" >&2
	exit 1
fi

lib_tmpdir rsh-insns
cleanup() {
	lib_stop_all
	rm -rf "$dir"
}
trap cleanup EXIT
lib_signals

lib_rshd --no-udp
host=127.0.0.1:$rport
XDG_RUNTIME_DIR=$dir/run
export XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"

# count CMD...: "TOTAL LDSO CRYPTO", CMD's instructions under callgrind:
# all, those in ld.so, those in libcrypto.  Each function's own cost is
# summed by the object it is in; ob= and cob= lines name objects once and
# then by number, and the line after calls= is a call's cost, counted in
# its callee already.
count() {
	valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$@" \
	    >/dev/null 2>"$dir/cg.err" || {
		echo "bench: $* failed under valgrind:" >&2
		tail -n 5 "$dir/cg.err" >&2
		exit 1
	}
	awk '
	function obj(s,   id, rest) {
		if (match(s, /^\([0-9]+\)/)) {
			id = substr(s, 1, RLENGTH)
			rest = substr(s, RLENGTH + 2)
			if (rest != "")
				name[id] = rest
			return name[id]
		}
		return s
	}
	/^ob=/ { ob = obj(substr($0, 4)); next }
	/^cob=/ { obj(substr($0, 5)); next }
	/^fn=/ { fob = ob; next }
	/^calls=/ { skip = 1; next }
	/^[0-9+*-]/ {
		if (skip) { skip = 0; next }
		all += $2
		if (fob ~ /\/ld-linux[^\/]*$|\/ld\.so[^\/]*$/)
			ldso += $2
		if (fob ~ /\/libcrypto\.so[^\/]*$/)
			crypto += $2
	}
	END { printf "%d %d %d\n", all, ldso, crypto }' "$dir/cg.out"
	rm -f "$dir/cg.out"
}

# measure RSH: one line per row for that rsh, "ROW TOTAL LDSO CRYPTO".
measure() {
	echo "floor $(count /bin/true)"
	echo "V $(count "$1" -V)"
	echo "h $(count "$1" -h)"
	echo "direct $(count "$1" -F none -k "$dir/key" "$host" true)"
	"$1" -F none -k "$dir/key" -M "$host"
	# The master is no child of ours (it went to the background itself).
	master_pid=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid)
	lib_track "$master_pid"
	echo "master $(count "$1" -F none -k "$dir/key" "$host" true)"
	"$1" -F none -k "$dir/key" -O exit "$host" 2>/dev/null
	lib_wait_gone "$master_pid" || true
	lib_forget "$master_pid"
}

measure "$build/rsh" >"$dir/after"
if [ -n "$base" ]; then
	measure "$base/rsh" >"$dir/before"
else
	# A line, so that awk can tell the two files apart (FNR == NR).
	echo "none 0 0 0" >"$dir/before"
fi

# In millions (M) of instructions, to two places; "-" where not measured.
awk -v base="$base" '
function m(n) { return sprintf("%.2fM", n / 1e6) }
FNR == NR { b[$1] = $2; bl[$1] = $3; bc[$1] = $4; next }
{ a[$1] = $2; al[$1] = $3; ac[$1] = $4 }
END {
	n = split("floor V h master direct", order, " ")
	label["floor"] = "/bin/true (the floor)"
	label["V"] = "rsh -V"
	label["h"] = "rsh -h"
	label["master"] = "rsh HOST true, via master"
	label["direct"] = "rsh HOST true, direct"
	printf "%-27s %-27s %s\n", "instructions (callgrind)",
	    base != "" ? "before: all (ld.so, crypto)" : "",
	    "now: all (ld.so, crypto)"
	for (i = 1; i <= n; i++) {
		r = order[i]
		before = r in b ? sprintf("%s (%s, %s)", m(b[r]), m(bl[r]),
		    m(bc[r])) : "-"
		printf "%-27s %-27s %s (%s, %s)\n", label[r], before, m(a[r]),
		    m(al[r]), m(ac[r])
	}
}' "$dir/before" "$dir/after"
