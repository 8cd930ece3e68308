# bench/lib.sh: sourced by bench/run.sh, bench/fanout.sh, bench/master.sh
# and tests/demo.sh, which all start a throwaway rshd on 127.0.0.1 and must
# stop everything they start, by pid, however they end.  POSIX sh (and
# `local`, which dash and bash both have), so that sh and bash scripts
# source it alike.
#
# The sourcing script sets `lib_name` (the word its messages start with)
# and `dir` (its private temporary directory, from lib_tmpdir), and calls
# lib_stop_all from its EXIT trap.
# shellcheck shell=sh disable=SC3043

lib_name=${lib_name:-bench}
lib_pids=		# long-lived processes started, stopped by lib_stop_all

# lib_build DIR PROG...: sets `build` to DIR's absolute path and checks that
# each PROG (a path under it) is there to run.
lib_build() {
	local p
	build=$(cd "$1" && pwd) || exit 1
	shift
	for p in "$@"; do
		if [ ! -x "$build/$p" ]; then
			echo "$lib_name: $build/$p is missing; run make first" >&2
			exit 1
		fi
	done
}

# lib_tmpdir PREFIX: sets `dir` to a new directory of ours only.
lib_tmpdir() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	chmod 700 "$dir"
}

# lib_signals: a signal ends the script through its EXIT trap, as 128+N.
lib_signals() {
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
}

# lib_track PID: PID is stopped by lib_stop_all.
lib_track() {
	lib_pids="$lib_pids $1"
}

# lib_forget PID: PID was waited for; lib_stop_all must not signal it (its
# number may be another process's by then).
lib_forget() {
	local p keep=
	for p in $lib_pids; do
		[ "$p" = "$1" ] || keep="$keep $p"
	done
	lib_pids=$keep
}

# lib_tree_pids PID...: each PID and its descendants.
lib_tree_pids() {
	local p c
	for p in "$@"; do
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
			lib_tree_pids "$c"
		done
	done
}

# lib_tree_kib PID FIELD: FIELD (Rss or Pss) summed over PID and its
# descendants, in KiB, from /proc/PID/smaps_rollup.
lib_tree_kib() {
	local p sum=0 v
	for p in $(lib_tree_pids "$1"); do
		v=$(awk -v f="$2:" '$1 == f { print $2 }' \
		    /proc/"$p"/smaps_rollup 2>/dev/null) || v=
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# lib_stop_all: TERM to every tracked process and its descendants (a
# daemon's sessions end with it), then waits for those that are ours.
lib_stop_all() {
	local p all
	[ -n "$lib_pids" ] || return 0
	# shellcheck disable=SC2086
	all=$(lib_tree_pids $lib_pids)
	for p in $all; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $lib_pids; do
		wait "$p" 2>/dev/null || true
	done
	lib_pids=
	return 0
}

# lib_wait_file FILE PID LOG WHAT: waits (up to 30 s) until FILE is not
# empty; fails, with LOG's last lines on stderr, if PID ends first.
lib_wait_file() {
	local i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		if [ "$i" -gt 1500 ] || ! kill -0 "$2" 2>/dev/null; then
			echo "$lib_name: $4 did not start:" >&2
			tail -n 5 "$3" >&2
			return 1
		fi
		sleep 0.02
	done
}

# lib_wait_gone PID: waits (up to 10 s) until PID, no child of ours (a
# process that went to the background itself), has ended.
lib_wait_gone() {
	local i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 500 ] || return 1
		sleep 0.02
	done
}

# lib_keys: a new key in DIR/keys for rshd and DIR/key for rsh (the same
# line), readable by us only.
lib_keys() {
	(umask 077 && "$build/rsh" --keygen "$lib_name" >"$dir/keys" &&
	    cp "$dir/keys" "$dir/key") || exit 1
}

# lib_rshd [OPTION...]: an rshd on a free port of 127.0.0.1 with DIR/keys
# (lib_keys makes them if missing) and OPTIONs added, logging to
# DIR/rshd.log; sets rshd_pid and rport, or exits.  rshd runs under
# $lib_rshd_wrap when set (a command, such as a function, that runs its
# arguments in a namespace; it must exec them so that the pid is rshd's).
# As root, keys without user= need PermitRootCommands, given here.
lib_rshd() {
	[ -s "$dir/keys" ] || lib_keys
	# shellcheck disable=SC2086
	${lib_rshd_wrap:-} "$build/rshd" -f none -D -l 127.0.0.1 -p 0 \
	    --port-file "$dir/port" -k "$dir/keys" -o PermitRootCommands=yes \
	    "$@" </dev/null >"$dir/rshd.log" 2>&1 3>&- &
	rshd_pid=$!
	lib_track "$rshd_pid"
	lib_wait_file "$dir/port" "$rshd_pid" "$dir/rshd.log" rshd || exit 1
	rport=$(cat "$dir/port")
}
