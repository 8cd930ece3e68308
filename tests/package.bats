#!/usr/bin/env bats
# The Debian package: `make deb` builds it and lintian passes it; it
# installs on this machine as a Debian citizen (rsh.psk and rcp.psk behind
# update-alternatives, /etc/rsh 0700, the rsh account, units present but
# not enabled, /var/log/rshd 0750 and a logrotate file that makes rshd
# reopen its audit log); the rshd its unit file starts runs a command;
# purge takes it away.  Root only, as it installs a package; built and installed once
# per run, in the release build's run (the ASan run skips it).  systemd
# need not be running: the unit is checked with systemd-analyze verify and
# its ExecStart= line is run as systemd would run it, as its User=.

bats_require_minimum_version 1.5.0
load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# why_skip: why this machine or run cannot take the test, or nothing.
why_skip() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "installs a Debian package: root only"
	elif [[ $(basename "$RSH_BUILD") == *asan* ]]; then
		echo "the package is built and tested in the release run"
	elif ! command -v dpkg-query >/dev/null; then
		echo "not a Debian system"
	elif dpkg-query -W -f='${db:Status-Status}' rsh 2>/dev/null |
	    grep -q installed; then
		echo "a package rsh is installed here already: not replacing it"
	elif [ -e /etc/rsh ]; then
		echo "/etc/rsh exists: not mixing the package with it"
	elif [ -e /var/log/rshd ]; then
		echo "/var/log/rshd exists: not mixing the package with it"
	fi
}

# bats 1.8 cannot skip from setup_file: it leaves the reason for setup.
setup_file() {
	PKG_SKIP=$(why_skip)
	export PKG_SKIP
	[ -z "$PKG_SKIP" ] || return 0
	STATE=$BATS_FILE_TMPDIR/state
	export STATE
	mkdir -p "$STATE"
	# What purge leaves by design (the account and its home) is removed
	# after the run only when this run made it.
	getent passwd rsh >/dev/null || touch "$STATE/made-account"
	# _rshd as on a bare machine, for the postinst to make (the next
	# bats file's helpers make it again if this run fails to).
	userdel _rshd >/dev/null 2>&1 || true
	[ -e /var/lib/rsh ] || touch "$STATE/made-home"
	# A make of its own: not the variables of the make that runs bats.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -C "$REPO" --no-print-directory deb \
	    DEB_DIR="$BATS_FILE_TMPDIR/deb" >"$STATE/deb.log" 2>&1 || {
		tail -n 40 "$STATE/deb.log" >&2
		return 1
	}
	DEB=$(ls "$BATS_FILE_TMPDIR"/deb/rsh_*.deb)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" \
	    >"$STATE/install.log" 2>&1 || {
		cat "$STATE/install.log" >&2
		return 1
	}
	export DEB
}

teardown_file() {
	[ -n "${STATE:-}" ] || return 0
	dpkg --purge rsh >/dev/null 2>&1 || true
	if [ -e "$STATE/made-account" ] && getent passwd rsh >/dev/null; then
		userdel rsh >/dev/null 2>&1 || true
		groupdel rsh >/dev/null 2>&1 || true
	fi
	if [ -e "$STATE/made-home" ]; then
		rm -rf /var/lib/rsh
	fi
	return 0
}

setup() {
	[ -z "$PKG_SKIP" ] || skip "$PKG_SKIP"
}

teardown() {
	rsh_teardown
}

# unit_value UNIT KEY: the last KEY= of the unit file (a later one wins,
# as in systemd).
unit_value() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# unit_file NAME: the installed unit's path.
unit_file() {
	local d
	for d in /lib/systemd/system /usr/lib/systemd/system; do
		if [ -f "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 1
}

@test "make deb builds a package that lintian passes" {
	[ -f "$DEB" ]
	# make deb ran lintian; every tag left must be overridden with a
	# reason (debian/rsh.lintian-overrides), so none may show.
	run grep -E '^[EW]: ' "$STATE/deb.log"
	assert_output ''
	# The hardening flags reached the binaries: full RELRO, PIE, stack
	# protector, fortified calls.
	run -0 readelf -d /usr/sbin/rshd
	assert_output --partial 'BIND_NOW'
	assert_output --partial 'PIE'
	run -0 readelf -sW /usr/sbin/rshd
	assert_output --partial '__stack_chk_fail'
	run -0 bash -c "readelf -sW /usr/sbin/rshd | grep -v __stack_chk |
	    grep -c '_chk@'"
}

@test "the package depends on the libcrypto rsh.psk dlopens, named in its .note.dlopen" {
	local so lib pkg
	so=$(readelf -d /usr/sbin/rshd |
	    sed -n 's/.*(NEEDED).*\[\(libcrypto[^]]*\)\].*/\1/p')
	lib=$(readlink -f "$(ldd /usr/sbin/rshd | awk '/libcrypto/ { print $3 }')")
	pkg=$(dpkg-query -S "$lib" | sed -n '1s/:.*//p')
	[ -n "$so" ]
	[ -n "$pkg" ]
	run -0 readelf -d /usr/bin/rsh.psk
	refute_output --partial libcrypto
	run -0 readelf -p .note.dlopen /usr/bin/rsh.psk
	assert_output --partial "\"soname\":[\"$so\"]"
	# Declared for rsh itself, not only through rshd's DT_NEEDED.
	run -0 grep '^dlopen:Depends=' \
	    "$BATS_FILE_TMPDIR"/deb/rsh-*/debian/rsh.substvars
	assert_output --partial "$pkg "
	run -0 dpkg-query -W -f='${Depends}' rsh
	assert_output --partial "$pkg "
}

@test "the package installs rshd, rsh.psk, rcp.psk, the man pages and /etc/rsh 0700" {
	[ -x /usr/sbin/rshd ]
	[ -x /usr/bin/rsh.psk ]
	[ -f /usr/share/man/man8/rshd.8.gz ]
	[ -f /usr/share/man/man1/rsh.psk.1.gz ]
	# rcp.psk is the same program, and acts as rcp under that name.
	[ "$(stat -c %i /usr/bin/rcp.psk)" = "$(stat -c %i /usr/bin/rsh.psk)" ]
	[ -f /usr/share/man/man1/rcp.psk.1.gz ]
	run -0 /usr/bin/rcp.psk --help
	assert_output --partial 'usage: rcp'
	run -0 stat -c '%a %U' /etc/rsh
	assert_output '700 root'
	run -0 dpkg-query -W -f='${Conffiles}' rsh
	assert_output --partial '/etc/rsh/rshd.conf'
	run -0 /usr/bin/rsh.psk --version
	assert_output --partial 'rsh 0.1.0'
}

@test "the package makes the audit log's directory, /var/log/rshd 0750, and a valid logrotate file" {
	run -0 stat -c '%a %U %G' /var/log/rshd
	assert_output '750 root adm'
	[ -f /etc/logrotate.d/rsh ]
	run -0 dpkg-query -W -f='${Conffiles}' rsh
	assert_output --partial '/etc/logrotate.d/rsh'
	# The example rshd.conf's AuditLog is the file it rotates.
	run -0 grep -E '^#?AuditLog /var/log/rshd/audit.log$' /etc/rsh/rshd.conf
	command -v logrotate >/dev/null || skip "logrotate is not installed"
	run -0 logrotate -d -s "$BATS_TEST_TMPDIR/state" /etc/logrotate.d/rsh
	assert_output --partial 'rotating pattern: /var/log/rshd/audit.log'
	refute_output --partial 'error'
}

@test "a forced logrotate run makes rshd write its audit log to a new file" {
	command -v logrotate >/dev/null || skip "logrotate is not installed"
	[ ! -e /run/rshd.pid ] || skip "/run/rshd.pid exists: another rshd"
	[ ! -d /run/systemd/system ] ||
	    ! systemctl --quiet is-active rshd.service ||
	    skip "rshd.service is running here: logrotate would signal it"
	local d=$BATS_TEST_TMPDIR/srv line port log=/var/log/rshd/audit.log
	mkdir -p "$d"
	line=$(/usr/bin/rsh.psk --keygen rotate-test)
	(umask 077 && printf '%s\n' "$line" >"$d/keys" &&
	    printf '%s\n' "$line" >"$d/key")
	# The pid file logrotate's postrotate signals without systemd.
	/usr/sbin/rshd -D -p 0 --port-file "$d/port" -l 127.0.0.1 --no-udp \
	    -k "$d/keys" -o PermitRootCommands=yes -o AuditLog=$log \
	    --pid-file /run/rshd.pid </dev/null >"$d/rshd.log" 2>&1 3>&- &
	echo $! >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ] || ! proc_alive $(cat "$d/rshd.pid")"
	[ -s "$d/port" ] || { cat "$d/rshd.log"; false; }
	port=$(cat "$d/port")
	run -0 /usr/bin/rsh.psk -k "$d/key" -p "$port" 127.0.0.1 \
	    'echo before-rotation' </dev/null
	wait_until "grep -q before-rotation $log"
	run -0 logrotate -f -s "$BATS_TEST_TMPDIR/state" /etc/logrotate.d/rsh
	# rshd reopened the log by its name: a new file, its own, mode 0600.
	wait_until "[ -f $log ]"
	run -0 stat -c '%a %U' "$log"
	assert_output '600 root'
	run -0 /usr/bin/rsh.psk -k "$d/key" -p "$port" 127.0.0.1 \
	    'echo after-rotation' </dev/null
	wait_until "grep -q after-rotation $log"
	run -1 grep -q before-rotation "$log"
	run -0 grep -q before-rotation "$log.1"
	run -1 grep -q after-rotation "$log.1"
	run -0 grep -F 'SIGHUP: audit log reopened' "$d/rshd.log"
	stop_rshd "$(cat "$d/rshd.pid")"
	rm -f "$d/rshd.pid" "$log" "$log".*
}

@test "the package installs bash completion for rsh.psk, rsh and rshd" {
	local d=/usr/share/bash-completion/completions
	[ -f "$d/rsh" ]
	[ "$(readlink -f "$d/rsh.psk")" = "$d/rsh" ]
	[ "$(readlink -f "$d/rshd")" = "$d/rsh" ]
	run -0 bash -c "source $d/rsh && complete -p rsh.psk rshd"
}

@test "the package offers rsh.psk as /usr/bin/rsh and rcp.psk as /usr/bin/rcp below every BSD one" {
	local n prio
	for n in rsh rcp; do
		run -0 update-alternatives --query "$n"
		assert_output --partial "Alternative: /usr/bin/$n.psk"
		assert_output --partial "/usr/share/man/man1/$n.psk.1.gz"
		# Below netkit's rsh-client (100) and rsh-redone-client (150).
		prio=$(update-alternatives --query "$n" |
		    awk -v a="/usr/bin/$n.psk" '$1 == "Alternative:" {
		    f = $2 == a; next } f && /^Priority:/ { print $2; exit }')
		[ "$prio" -lt 100 ] || fail "$n.psk's priority: $prio"
	done
	# Alone, ours has the names, its pages included.
	[ "$(readlink -f /usr/bin/rcp)" = /usr/bin/rcp.psk ] ||
	    [ "$(update-alternatives --query rcp | grep -c '^Alternative:')" -gt 1 ]
}

@test "the package creates the rsh account, with a shell rshd can use" {
	run -0 getent passwd rsh
	local shell
	shell=$(getent passwd rsh | cut -d: -f7)
	[ -x "$shell" ]
	run -0 "$shell" -c 'echo ok'
	# adduser --system: no password to log in with.
	run -0 getent shadow rsh
	assert_output --regexp '^rsh:[!*]'
}

@test "the package creates _rshd for rshd's network part: no shell, no home" {
	run -0 getent passwd _rshd
	[ "$(getent passwd _rshd | cut -d: -f3)" -ne 0 ]
	[ "$(getent passwd _rshd | cut -d: -f6)" = /nonexistent ]
	[ ! -e /nonexistent ]
	run -0 getent shadow _rshd
	assert_output --regexp '^_rshd:[!*]'
}

@test "the units pass systemd-analyze verify and are not enabled" {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed"
	local svc sock
	svc=$(unit_file rshd.service)
	sock=$(unit_file rshd.socket)
	run -0 systemd-analyze verify "$svc" "$sock"
	refute_output --partial 'rshd'
	[ ! -e /etc/systemd/system/multi-user.target.wants/rshd.service ]
	[ ! -e /etc/systemd/system/sockets.target.wants/rshd.socket ]
	run -0 unit_value "$svc" ExecStart
	assert_output --regexp '^/usr/sbin/rshd .*-f /etc/rsh/rshd\.conf'
	# sudo in commands (Ansible's become) works under the unit: a key's
	# no-new-privs takes it away where wanted, not the unit for all.
	run -0 unit_value "$svc" NoNewPrivileges
	assert_output ''
}

@test "rshd started by its unit's ExecStart runs a command for a user= key" {
	local svc cmd user d=$BATS_TEST_TMPDIR/srv line
	svc=$(unit_file rshd.service)
	cmd=$(unit_value "$svc" ExecStart)
	user=$(unit_value "$svc" User)
	mkdir -p "$d"
	line=$(/usr/bin/rsh.psk --keygen package-test)
	# Under root (the unit as shipped) a key must name its account.
	(umask 077 && printf '%s user=rsh\n' "$line" >/etc/rsh/keys &&
	    printf '%s\n' "$line" >"$d/key")
	[ -z "$user" ] || chown "$user": /etc/rsh/keys
	run -0 $cmd -t
	# The unit's command line, with an ephemeral loopback port added
	# (later options win over rshd.conf).
	if [ -n "$user" ]; then
		cmd="setpriv --reuid=$user --regid=$user --init-groups $cmd"
	fi
	$cmd -p 0 --port-file "$d/port" -l 127.0.0.1 --no-udp \
	    </dev/null >"$d/rshd.log" 2>&1 3>&- &
	echo $! >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ] || ! proc_alive $(cat "$d/rshd.pid")" ||
	    true
	[ -s "$d/port" ] || { cat "$d/rshd.log"; false; }
	# /usr/bin/rsh is ours unless another rsh outranks it here.
	local client=/usr/bin/rsh
	[ "$(readlink -f /usr/bin/rsh)" = /usr/bin/rsh.psk ] ||
	    client=/usr/bin/rsh.psk
	run -0 "$client" -k "$d/key" -p "$(cat "$d/port")" 127.0.0.1 \
	    'id -un; echo "$HOME"' </dev/null
	assert_output $'rsh\n/var/lib/rsh'
}

@test "beside Debian's rsh-client, which pdsh needs, rsh.psk is ours and pdsh and Ansible run it" {
	sh "$REPO/tests/deps.sh" "test the package beside pdsh" pdsh >&2 ||
	    skip "pdsh (and so rsh-client) cannot be installed here"
	local d=$BATS_TEST_TMPDIR/srv line port
	# BSD's client outranks ours for /usr/bin/rsh, and has no -V.
	[ "$(readlink -f /usr/bin/rsh)" != /usr/bin/rsh.psk ]
	run /usr/bin/rsh -V
	[ "$status" -ne 0 ]
	mkdir -p "$d"
	line=$(/usr/bin/rsh.psk --keygen pdsh-test)
	(umask 077 && printf '%s\n' "$line" >"$d/keys" &&
	    printf '%s\n' "$line" >"$d/key")
	/usr/sbin/rshd -D -p 0 --port-file "$d/port" -l 127.0.0.1 --no-udp \
	    -k "$d/keys" -o PermitRootCommands=yes </dev/null \
	    >"$d/rshd.log" 2>&1 3>&- &
	echo $! >"$d/rshd.pid"
	wait_until "[ -s '$d/port' ]"
	port=$(cat "$d/port")
	# The README's pdsh line, with the name to type beside BSD rsh.
	run -0 pdsh -R exec -w 127.0.0.1 rsh.psk -k "$d/key" -p "$port" %h \
	    'echo from-$((6*7))'
	assert_output '127.0.0.1: from-42'
	# BSD's rcp keeps /usr/bin/rcp; rcp.psk copies through rshd.
	[ "$(readlink -f /usr/bin/rcp)" != /usr/bin/rcp.psk ]
	echo copied >"$d/f"
	run -0 rcp.psk -k "$d/key" -P "$port" -p "$d/f" "127.0.0.1:$d/g"
	cmp "$d/f" "$d/g"
	command -v ansible >/dev/null || return 0
	# The plugin, told nothing of the client, finds rsh.psk on the PATH.
	mkdir -p "$d/home" "$d/tmp"
	printf '[defaults]\nconnection_plugins = %s\nlocal_tmp = %s\n' \
	    "$REPO/contrib/ansible/connection_plugins" "$d/tmp" >"$d/ansible.cfg"
	printf '127.0.0.1 ansible_connection=rsh ansible_port=%s ansible_rsh_key=%s ansible_python_interpreter=/usr/bin/python3\n' \
	    "$port" "$d/key" >"$d/hosts"
	HOME=$d/home ANSIBLE_CONFIG=$d/ansible.cfg run -0 ansible -i "$d/hosts" \
	    127.0.0.1 -m ansible.builtin.command -a 'echo via-plugin' -o \
	    </dev/null
	assert_output --partial 'via-plugin'
}

@test "purge removes the package, /etc/rsh, /var/log/rshd and the alternative" {
	run -0 dpkg --purge rsh
	[ ! -e /usr/sbin/rshd ]
	[ ! -e /usr/bin/rsh.psk ]
	[ ! -e /usr/bin/rcp.psk ]
	[ ! -e /etc/rsh ]
	[ ! -e /var/log/rshd ]
	run update-alternatives --query rsh
	refute_output --partial '/usr/bin/rsh.psk'
	run update-alternatives --query rcp
	refute_output --partial '/usr/bin/rcp.psk'
	run dpkg-query -W -f='${db:Status-Status}' rsh
	[ "$status" -ne 0 ] || [ "$output" = not-installed ]
}
