#!/usr/bin/env bats
# The README's Quick start, run as written: every ```sh block under its
# "## Quick start" heading, in order, in one shell that stops at the first
# failing command, as root in the clone's top directory.
#
# It installs, adds an account, writes keys and starts a daemon on port
# 2222, so it runs in namespaces of its own: a network namespace (its port
# 2222 is on a loopback nobody else can reach, so it collides with
# nothing), a PID namespace (whatever it leaves running dies with it),
# and a mount namespace in which /etc, /usr/local, /var, /run and /root
# are overlays whose writes land in a tmpfs that goes with the namespace.
# The host's files stay as they were.  What the test changes in the
# commands: nothing.  Around them: PATH has /usr/local/{s,}bin (as a root
# login has), make builds and installs this test's build (BUILD, SANITIZE),
# and apt-get only checks that the packages are installed (no network in
# here, and a test installs nothing).

bats_require_minimum_version 1.5.0
load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# quickstart_blocks README: the Quick start's ```sh blocks, each preceded
# by a line that echoes its number to stderr (for the failure report).
quickstart_blocks() {
	awk '
	/^## / { in_qs = ($0 == "## Quick start") }
	!in_qs { next }
	/^```/ {
		if (in_block) { in_block = 0 }
		else if ($0 == "```sh") { in_block = 1; n++
			printf "echo \"--- Quick start block %d\" >&2\n", n }
		next
	}
	in_block { print }
	' "$1"
}

# The account the Quick start makes lives in the namespace's /etc only.
# inner SCRIPT OV: sets the namespace up, then runs SCRIPT.
inner() {
	local script=$1 ov=$2 d n rc
	set -e
	ip link set lo up
	mount -t tmpfs -o mode=700 rsh-readme "$ov"
	for d in /etc /usr/local /var /run /root; do
		n=${d//\//_}
		mkdir -p "$ov/$n.up" "$ov/$n.work"
		mount -t overlay overlay \
		    -o "lowerdir=$d,upperdir=$ov/$n.up,workdir=$ov/$n.work" "$d"
	done
	# As on a bare Debian: the host's test runs made _rshd, which
	# the Quick start makes (in the overlay /etc only).
	userdel _rshd >/dev/null 2>&1 || true
	echo ready >"$ov.ready"
	set +e
	cd "$REPO"
	bash -e -x "$script"
	rc=$?
	# What the last blocks promise (within 30 s, for a loaded ASan
	# build): rshd gone (it removes its pid file
	# on the way out), the programs removed, the keys kept.
	for n in $(seq 300); do
		[ -e /run/rshd.pid ] || break
		sleep 0.1
	done
	[ -e /run/rshd.pid ] || echo "after: rshd stopped"
	[ -e /usr/local/sbin/rshd ] || echo "after: rshd uninstalled"
	[ ! -s /usr/local/etc/rsh/keys ] || echo "after: keys kept"
	return "$rc"
}

@test "the README's Quick start runs as written and does what it says" {
	[ "$(id -u)" -eq 0 ] || skip "the Quick start runs as root"
	command -v unshare >/dev/null || skip "no unshare here"
	command -v ip >/dev/null || skip "no ip (iproute2) here"
	local t=$BATS_TEST_TMPDIR build sanitize=0 rc
	quickstart_blocks "$REPO/README.md" >"$t/blocks.sh"
	# Six blocks: build and install, the account, the keys and the
	# server, the client, the stop and the removal.  Fewer means the
	# extraction or the README's layout broke.
	[ "$(grep -c '^echo "--- Quick start block' "$t/blocks.sh")" -ge 5 ] ||
	    fail "no Quick start blocks found in README.md: $(cat "$t/blocks.sh")"
	{
		# apt-get install PKG...: installed already, or the test fails.
		# shellcheck disable=SC2016
		echo 'apt-get() { local - p; set +x; for p in "$@"; do case $p in -* | install) ;; *) dpkg-query -W -f="\${db:Status-Status}" "$p" | grep -qx installed || { echo "apt-get: $p is not installed" >&2; return 1; }; esac; done; }'
		cat "$t/blocks.sh"
	} >"$t/quickstart.sh"
	# This test's build: make install installs it, building nothing.
	build=${RSH_BUILD#"$REPO"/}
	[[ $build != */asan ]] || sanitize=1
	mkdir -p "$t/ov"
	export REPO
	export -f inner
	run env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS BUILD="$build" \
	    SANITIZE="$sanitize" HOME=/root \
	    PATH="/usr/local/sbin:/usr/local/bin:$PATH" \
	    unshare --mount --net --pid --fork --mount-proc \
	    --propagation private \
	    bash -c 'inner "$1" "$2"' inner "$t/quickstart.sh" "$t/ov" \
	    </dev/null 3>&-
	rc=$status
	[ -f "$t/ov.ready" ] ||
	    skip "cannot make private namespaces and overlays here: $output"
	echo "$output"
	[ "$rc" -eq 0 ] || fail "the Quick start failed (status $rc)"
	# What the Quick start's comments promise.
	assert_line --partial "are in order: 1 key"
	assert_line rsh
	assert_line /var/lib/rsh
	assert_line '[two words]'
	assert_line '[$HOME]'
	assert_line 6
	assert_line "rsh exited 3"
	assert_line --partial "load average"
	assert_line "after: rshd stopped"
	assert_line "after: rshd uninstalled"
	assert_line "after: keys kept"
}
