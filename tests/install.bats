#!/usr/bin/env bats
# make install and make uninstall, into a prefix under this file's
# temporary directory: one configuration directory, SYSCONFDIR/rsh, that
# install fills, the installed rshd reads without -f, and uninstall leaves
# with the configuration and keys in it, removing the directories it made
# once empty.  The build is a copy of $RSH_BUILD, so that the rshd objects
# rebuilt for this SYSCONFDIR do not replace the suite's.

bats_require_minimum_version 1.5.0
load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# imake TARGET...: make in the repository with this file's build and
# prefix (not the variables of a make that may run bats).
imake() {
	local san=0
	[[ $(basename "$RSH_BUILD") != *asan* ]] || san=1
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$REPO" \
	    --no-print-directory -j2 SANITIZE=$san BUILD="$IBUILD" \
	    PREFIX="$P" "$@"
}

setup_file() {
	P=$BATS_FILE_TMPDIR/p
	IBUILD=$BATS_FILE_TMPDIR/build
	export P IBUILD
	cp -a "$RSH_BUILD" "$IBUILD"
	# A directory that was there before install, empty, stays after
	# uninstall: only what install made goes.
	mkdir -p "$P/share/man/man1"
	imake install >"$BATS_FILE_TMPDIR/install.log" 2>&1 || {
		tail -n 40 "$BATS_FILE_TMPDIR/install.log" >&2
		return 1
	}
}

# A test that moves rshd.conf aside leaves it in saved.conf.
teardown() {
	show_logs_on_failure
	stop_test_rshds
	if [ -f "$BATS_TEST_TMPDIR/saved.conf" ]; then
		mv "$BATS_TEST_TMPDIR/saved.conf" "$P/etc/rsh/rshd.conf"
	fi
}

@test "make install makes SYSCONFDIR/rsh 0700 with rshd.conf; rshd -h and the man pages name it" {
	run -0 stat -c %a "$P/etc/rsh"
	assert_output 700
	[ -f "$P/etc/rsh/rshd.conf" ]
	run -0 "$P/sbin/rshd" -h
	assert_output --partial "default $P/etc/rsh/rshd.conf"
	assert_output --partial "default $P/etc/rsh/keys"
	run -0 grep -c "$P/etc/rsh/keys" "$P/share/man/man8/rshd.8" \
	    "$P/share/man/man5/rshd.conf.5" "$P/etc/rsh/rshd.conf"
	refute_output --partial ':0'
	run -1 grep -rl '@SYSCONFDIR@' "$P/share" "$P/etc" "$P/lib"
}

@test "make install puts rcp beside rsh, the same program, with its page" {
	[ "$(stat -c %i "$P/bin/rcp")" = "$(stat -c %i "$P/bin/rsh")" ]
	run -0 "$P/bin/rcp" --help
	assert_output --partial "usage: rcp"
	[ -f "$P/share/man/man1/rcp.1" ]
}

# default_keys DIR: a key in DIR (key, keys) and in SYSCONFDIR/rsh/keys.
default_keys() {
	make_keys "$1" || return 1
	cp "$1/keys" "$P/etc/rsh/keys" && chmod 600 "$P/etc/rsh/keys"
}

@test "the installed rshd without -f reads SYSCONFDIR/rsh/rshd.conf and keys" {
	local d=$BATS_TEST_TMPDIR/srv
	default_keys "$d"
	printf 'PermitRootCommands yes\nPath /from-rshd-conf:/usr/bin:/bin\n' \
	    >>"$P/etc/rsh/rshd.conf"
	run -0 "$P/sbin/rshd" -t
	assert_output "rshd: config file $P/etc/rsh/rshd.conf and keys file $P/etc/rsh/keys are in order: 1 key"
	"$P/sbin/rshd" -D -p 0 --port-file "$d/port" -l 127.0.0.1 --no-udp \
	    </dev/null >"$d/rshd.log" 2>&1 3>&- &
	echo $! >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ] || ! proc_alive $(cat "$d/rshd.pid")"
	[ -s "$d/port" ] || { cat "$d/rshd.log"; false; }
	run -0 "$RSH" -k "$d/key" -p "$(cat "$d/port")" 127.0.0.1 \
	    'echo "$PATH"' </dev/null
	assert_output /from-rshd-conf:/usr/bin:/bin
}

@test "a missing default rshd.conf is no error, -f none reads none, a missing -f file is one" {
	default_keys "$BATS_TEST_TMPDIR/srv"
	printf 'NoSuchKeyword 1\n' >"$P/etc/rsh/bad.conf"
	cp "$P/etc/rsh/rshd.conf" "$BATS_TEST_TMPDIR/saved.conf"
	mv "$P/etc/rsh/bad.conf" "$P/etc/rsh/rshd.conf"
	run -1 "$P/sbin/rshd" -t
	assert_output --partial "$P/etc/rsh/rshd.conf:1: unknown keyword"
	run -0 "$P/sbin/rshd" -t -f none -o PermitRootCommands=yes
	assert_output "rshd: settings and keys file $P/etc/rsh/keys are in order: 1 key"
	rm "$P/etc/rsh/rshd.conf"
	run -0 "$P/sbin/rshd" -t -o PermitRootCommands=yes
	assert_output "rshd: settings and keys file $P/etc/rsh/keys are in order: 1 key"
	run -1 "$P/sbin/rshd" -t -f "$P/etc/rsh/rshd.conf"
	assert_output --partial "config file $P/etc/rsh/rshd.conf: No such file"
}

# start_installed DIR ARG...: the installed rshd, as start_rshd starts
# the build's, but with no -f; sets PORT.
start_installed() {
	local d=$1
	shift
	rm -f "$d/port"
	"$P/sbin/rshd" -D -p 0 --port-file "$d/port" -l 127.0.0.1 --no-udp \
	    -k "$d/keys" -o PermitRootCommands=yes "$@" \
	    </dev/null >>"$d/rshd.log" 2>&1 3>&- &
	echo $! >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ] || ! proc_alive $(cat "$d/rshd.pid")"
	[ -s "$d/port" ] || { cat "$d/rshd.log"; return 1; }
	PORT=$(cat "$d/port")
}

# remote_path DIR: $PATH as a command of the rshd in DIR sees it.
remote_path() {
	"$RSH" -k "$1/key" -p "$PORT" 127.0.0.1 'echo "$PATH"' </dev/null
}

@test "a default rshd.conf created after the start is read on SIGHUP" {
	local d=$BATS_TEST_TMPDIR/srv
	make_keys "$d"
	mv "$P/etc/rsh/rshd.conf" "$BATS_TEST_TMPDIR/saved.conf"
	start_installed "$d"
	run -0 remote_path "$d"
	refute_output --partial /later
	printf 'Path /later:/usr/bin:/bin\n' >"$P/etc/rsh/rshd.conf"
	kill -HUP "$(cat "$d/rshd.pid")"
	wait_until "grep -q 'configuration 2 in force' '$d/rshd.log'"
	run -0 remote_path "$d"
	assert_output /later:/usr/bin:/bin
}

@test "a default rshd.conf that held settings at the start and is gone is refused on SIGHUP" {
	local d=$BATS_TEST_TMPDIR/srv
	make_keys "$d"
	cp "$P/etc/rsh/rshd.conf" "$BATS_TEST_TMPDIR/saved.conf"
	printf 'Path /at-start:/usr/bin:/bin\n' >>"$P/etc/rsh/rshd.conf"
	start_installed "$d"
	rm "$P/etc/rsh/rshd.conf"
	kill -HUP "$(cat "$d/rshd.pid")"
	wait_until "grep -q 'reload refused' '$d/rshd.log'"
	run -0 grep 'reload refused' "$d/rshd.log"
	assert_output --partial "config file $P/etc/rsh/rshd.conf is gone but held"
	run -0 remote_path "$d"
	assert_output /at-start:/usr/bin:/bin
}

@test "make uninstall leaves the configuration and keys and no empty directory it made" {
	run -0 imake uninstall
	assert_output --partial "left $P/etc/rsh (configuration, keys) in place"
	# What install made and left empty is gone; what was there before
	# stays, empty or not.
	run -0 find "$P" -type d -empty
	assert_output "$P/share/man/man1"
	run -0 find "$P" -type f
	assert_output --partial "$P/etc/rsh/rshd.conf"
	assert_output --partial "$P/etc/rsh/keys"
	[ "$(echo "$output" | wc -l)" -eq 2 ]
}
