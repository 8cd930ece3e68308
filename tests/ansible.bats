#!/usr/bin/env bats
# Ansible over rsh: contrib/ansible/connection_plugins/rsh.py.  One rshd
# listens on 127.0.0.1 to .3, three inventory hosts; an ad-hoc ping, a
# playbook that copies, runs and fetches, and become through sudo from an
# unprivileged account.  Needs ansible-core (installed as root when
# missing, else skipped); everything Ansible writes stays in the file's
# temp dir, HOME included.

bats_require_minimum_version 1.5.0
load helpers

# bats 1.8 (Debian 12's) cannot skip from setup_file: setup_file exports
# the reason and each test skips with it.
setup_file() {
	ANSIBLE_SKIP=
	export ANSIBLE_SKIP
	if ! command -v ansible-playbook >/dev/null 2>&1; then
		# As root a missing ansible-core is installed (tests/deps.sh).
		if [ "$(id -u)" -eq 0 ]; then
			sh "$BATS_TEST_DIRNAME/deps.sh" "test Ansible over rsh" \
			    ansible-core >&2 || true
		fi
		if ! command -v ansible-playbook >/dev/null 2>&1; then
			ANSIBLE_SKIP="ansible-core is not installed and cannot be installed here (apt-get install ansible-core, as root)"
			return 0
		fi
	fi
	local d=$BATS_FILE_TMPDIR
	make_keys "$d/srv" || return 1
	# As root: an unprivileged account with its own key and NOPASSWD sudo,
	# for become.
	: >"$d/unpriv.skip"
	if [ "$(id -u)" -ne 0 ]; then
		echo "become needs root to create an account" >"$d/unpriv.skip"
	elif ! sh "$BATS_TEST_DIRNAME/deps.sh" "test become" sudo >&2; then
		echo "sudo is not installed and cannot be installed" >"$d/unpriv.skip"
	else
		setup_unpriv "$d" || return 1
	fi
	start_rshd "$d/srv" -l 127.0.0.2 -l 127.0.0.3 || return 1
	write_ansible_config "$d"
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR rc=0
	# Skipped before rshd started: nothing to stop.
	[ -z "${RSHD_PID:-}" ] || rsh_teardown_file || rc=$?
	if [ -f "$d/account" ]; then
		rm -f "/etc/sudoers.d/$(cat "$d/account")"
		userdel "$(cat "$d/account")" 2>/dev/null || true
	fi
	[ ! -f "$d/unpriv.tmp" ] || rm -rf "$(cat "$d/unpriv.tmp")"
	return "$rc"
}

setup() {
	[ -z "$ANSIBLE_SKIP" ] || skip "$ANSIBLE_SKIP"
}

teardown() {
	rsh_teardown
}

# setup_unpriv DIR: a throwaway account that may sudo without a password,
# a key bound to it in DIR/srv/keys (client side DIR/unpriv.key), and a
# temp dir it owns (Ansible's remote temp for it).
setup_unpriv() {
	local d=$1 name="rsha$$$RANDOM" line tmp
	useradd --no-create-home --home-dir /tmp --shell /bin/sh "$name" \
	    >/dev/null 2>&1 || return 1
	echo "$name" >"$d/account"
	(umask 077 && echo "$name ALL=(ALL) NOPASSWD: ALL" \
	    >"/etc/sudoers.d/$name") || return 1
	line=$("$RSH" --keygen unpriv) || return 1
	printf '%s user=%s\n' "$line" "$name" >>"$d/srv/keys"
	(umask 077 && printf '%s\n' "$line" >"$d/unpriv.key")
	tmp=$(mktemp -d /tmp/rsh-ansible.XXXXXX) || return 1
	echo "$tmp" >"$d/unpriv.tmp"
	chown "$name" "$tmp"
}

# write_ansible_config DIR: DIR/ansible.cfg (the plugin dir, temp dirs
# inside DIR) and DIR/hosts (three hosts on this file's rshd, and
# "unpriv" for the unprivileged key).
write_ansible_config() {
	local d=$1
	mkdir -p "$d/home" "$d/local-tmp" "$d/remote-tmp"
	cat >"$d/ansible.cfg" <<-CFG
	[defaults]
	connection_plugins = $BATS_TEST_DIRNAME/../contrib/ansible/connection_plugins
	local_tmp = $d/local-tmp
	remote_tmp = $d/remote-tmp
	host_key_checking = False
	retry_files_enabled = False
	nocows = True
	CFG
	cat >"$d/hosts" <<-INV
	[rsh]
	127.0.0.1
	127.0.0.2
	127.0.0.3

	[rsh:vars]
	ansible_connection = rsh
	ansible_port = $RSHD_PORT
	ansible_rsh_key = $RSH_KEYFILE
	ansible_rsh_executable = $RSH
	ansible_python_interpreter = /usr/bin/python3
	INV
	if [ -f "$d/account" ]; then
		cat >>"$d/hosts" <<-INV

		[become]
		unpriv ansible_host=127.0.0.1 ansible_connection=rsh ansible_port=$RSHD_PORT ansible_rsh_key=$d/unpriv.key ansible_rsh_executable=$RSH ansible_python_interpreter=/usr/bin/python3 ansible_remote_tmp=$(cat "$d/unpriv.tmp")
		INV
	fi
}

# ans PROGRAM ARG...: an Ansible program with this file's configuration,
# HOME and inventory.
ans() {
	local d=$BATS_FILE_TMPDIR prog=$1
	shift
	HOME=$d/home ANSIBLE_CONFIG=$d/ansible.cfg ANSIBLE_FORCE_COLOR=0 \
	    "$prog" -i "$d/hosts" "$@" </dev/null
}

@test "ansible -m ping reaches every host through rsh, with and without pipelining" {
	local before
	for pipe in False True; do
		before=$(wc -l <"$RSHD_DIR/rshd.log")
		ANSIBLE_PIPELINING=$pipe run -0 ans ansible rsh -m ping -o
		for h in 1 2 3; do
			assert_line --regexp "^127\.0\.0\.$h \| SUCCESS => .*\"ping\": \"pong\""
		done
		[ "${#lines[@]}" -eq 3 ] || fail "output: $output"
		# Pipelined, the module goes through the command's stdin: no
		# upload; else it is uploaded with rcp (rshd's copy helper).
		run -0 tail -n "+$((before + 1))" "$RSHD_DIR/rshd.log"
		if [ "$pipe" = True ]; then
			refute_output --partial 'runs rsh-copy'
		else
			assert_output --partial 'runs rsh-copy'
		fi
		refute_output --partial 'runs cat > '
	done
}

@test "a playbook copies a file, runs a command and fetches the result, byte for byte" {
	local d=$BATS_TEST_TMPDIR h
	mkdir -p "$d/remote" "$d/fetched"
	# Every byte value, NULs and a missing final newline included.
	python3 -c 'import os, sys; sys.stdout.buffer.write(bytes(range(256)) * 512 + os.urandom(4093))' \
	    >"$d/payload"
	cat >"$d/play.yml" <<-'PLAY'
	- hosts: rsh
	  gather_facts: false
	  vars:
	    dir: "{{ remote_dir }}/{{ inventory_hostname }}"
	    name: "pay load's \"file\".bin"
	  tasks:
	    - ansible.builtin.file:
	        path: "{{ dir }}"
	        state: directory
	    - ansible.builtin.copy:
	        src: "{{ payload }}"
	        dest: "{{ dir }}/{{ name }}"
	        mode: "0640"
	    - ansible.builtin.command:
	        argv: [gzip, -k, -n, "{{ dir }}/{{ name }}"]
	    - ansible.builtin.command:
	        argv: [sha256sum, "{{ dir }}/{{ name }}"]
	      register: sum
	    - ansible.builtin.copy:
	        content: "{{ sum.stdout.split()[0] }}\n"
	        dest: "{{ dir }}/sum"
	    - ansible.builtin.fetch:
	        src: "{{ dir }}/{{ item }}"
	        dest: "{{ fetched }}/{{ inventory_hostname }}/"
	        flat: true
	      loop: ["{{ name }}", "{{ name }}.gz", sum]
	PLAY
	run -0 ans ansible-playbook "$d/play.yml" -e "remote_dir=$d/remote" \
	    -e "payload=$d/payload" -e "fetched=$d/fetched"
	assert_output --regexp 'ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0'
	local want name="pay load's \"file\".bin"
	want=$(sha256sum <"$d/payload" | cut -d' ' -f1)
	for h in 127.0.0.1 127.0.0.2 127.0.0.3; do
		cmp "$d/payload" "$d/remote/$h/$name"
		cmp "$d/payload" "$d/fetched/$h/$name"
		gzip -dc "$d/fetched/$h/$name.gz" | cmp "$d/payload" -
		[ "$(cat "$d/fetched/$h/sum")" = "$want" ] ||
		    fail "$h: sum $(cat "$d/fetched/$h/sum"), want $want"
		[ "$(stat -c %a "$d/remote/$h/$name")" = 640 ]
	done
}

@test "a command's exit status, stdout and stderr come back apart" {
	run -2 --separate-stderr ans ansible 127.0.0.2 -m ansible.builtin.shell \
	    -a 'echo to-out; echo to-err >&2; exit 3' -o
	assert_output --partial '127.0.0.2 | FAILED!'
	assert_output --partial '"rc": 3,'
	assert_output --partial '"stdout": "to-out",'
	assert_output --partial '"stderr": "to-err",'
}

# conn_py SCRIPT ARG...: SCRIPT run by Ansible's own Python with conn, the
# plugin's Connection to 127.0.0.2 on this file's rshd (extra_args: the
# value of ansible_rsh_extra_args, from $EXTRA).
conn_py() {
	local py script=$1
	shift
	py=$(head -1 "$(command -v ansible-playbook)" | sed 's/^#! *//')
	HOME=$BATS_FILE_TMPDIR/home "$py" - "$@" <<-EOF
	import sys
	from ansible.plugins.loader import connection_loader
	from ansible.playbook.play_context import PlayContext
	connection_loader.add_directory("$BATS_TEST_DIRNAME/../contrib/ansible/connection_plugins")
	conn = connection_loader.get("rsh", PlayContext(), None)
	conn.set_options(var_options={"inventory_hostname": "127.0.0.2",
	    "ansible_port": $RSHD_PORT, "ansible_rsh_key": "$RSH_KEYFILE",
	    "ansible_rsh_executable": "$RSH",
	    "ansible_rsh_extra_args": "${EXTRA:-}"})
	$script
	EOF
}

@test "put_file and fetch_file keep a file's mode both ways (rcp -p)" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/remote" "$d/back"
	head -c 100000 /dev/urandom >"$d/f"
	chmod 751 "$d/f"
	run -0 conn_py 'conn.put_file(sys.argv[1], sys.argv[2])' \
	    "$d/f" "$d/remote/f"
	cmp "$d/f" "$d/remote/f"
	assert_equal "$(stat -c %a "$d/remote/f")" 751
	chmod 604 "$d/remote/f"
	run -0 conn_py 'conn.fetch_file(sys.argv[1], sys.argv[2])' \
	    "$d/remote/f" "$d/back/f"
	cmp "$d/f" "$d/back/f"
	assert_equal "$(stat -c %a "$d/back/f")" 604
	# A missing remote file: an error that names it, nothing left.
	run -1 conn_py 'conn.fetch_file(sys.argv[1], sys.argv[2])' \
	    "$d/remote/nope" "$d/back/nope"
	assert_output --partial "failed to fetch $d/remote/nope"
	[ ! -e "$d/back/nope" ]
	# With rsh's own options, which rcp does not take: still copied.
	EXTRA='-o AliveInterval=5' run -0 conn_py \
	    'conn.put_file(sys.argv[1], sys.argv[2])' "$d/f" "$d/remote/g"
	cmp "$d/f" "$d/remote/g"
}

# fake_bsd_rsh DIR: DIR/rsh answers as netkit's BSD rsh does to -V.
fake_bsd_rsh() {
	mkdir -p "$1"
	cat >"$1/rsh" <<-'SH'
		#!/bin/sh
		echo "rsh: invalid option -- 'V'" >&2
		echo "usage: rsh [-46ndx] [-l login] host [command]" >&2
		exit 1
	SH
	chmod 755 "$1/rsh"
}

@test "unset, the plugin runs rsh.psk before a BSD rsh on the PATH" {
	local bin=$BATS_TEST_TMPDIR/bin
	fake_bsd_rsh "$bin"
	ln -s "$RSH" "$bin/rsh.psk"
	PATH=$bin:$PATH run -0 ans ansible 127.0.0.1 -m ping -o \
	    -e ansible_rsh_executable=
	assert_output --partial '127.0.0.1 | SUCCESS'
}

@test "a BSD rsh alone is refused, named, with what to install" {
	local bin=$BATS_TEST_TMPDIR/bin
	fake_bsd_rsh "$bin"
	PATH=$bin:/usr/bin:/bin run ans ansible 127.0.0.1 -m ping -o \
	    -e ansible_rsh_executable=
	[ "$status" -ne 0 ]
	assert_output --partial "$bin/rsh is not the rsh of rshd"
	assert_output --partial 'rsh.psk'
	run ans ansible 127.0.0.1 -m ping -o -e "ansible_rsh_executable=$bin/rsh"
	[ "$status" -ne 0 ]
	assert_output --partial "$bin/rsh is not the rsh of rshd"
}

@test "a host whose rshd does not answer is unreachable, with rsh's message" {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run -4 ans ansible 127.0.0.1 -m ping -o -e "ansible_port=$port"
	assert_output --partial 'UNREACHABLE'
	assert_output --partial "rsh: 127.0.0.1:$port: connection refused"
}

@test "become: an unprivileged key's commands run as root through sudo" {
	local d=$BATS_FILE_TMPDIR
	[ ! -s "$d/unpriv.skip" ] || skip "$(cat "$d/unpriv.skip")"
	local uid
	uid=$(id -u "$(cat "$d/account")")
	# One playbook (one Ansible start-up): without become, with become,
	# with become pipelined, and with a become password, which cannot be
	# typed without a terminal and is refused saying why.
	cat >"$BATS_TEST_TMPDIR/become.yml" <<-'PLAY'
	- hosts: unpriv
	  gather_facts: false
	  tasks:
	    - ansible.builtin.command: id -u
	      register: plain
	    - ansible.builtin.command: id -u
	      become: true
	      become_method: sudo
	      register: sudo
	    - ansible.builtin.command: id -u
	      become: true
	      vars:
	        ansible_pipelining: true
	      register: piped
	    - ansible.builtin.command: id -u
	      become: true
	      vars:
	        ansible_become_pass: secret
	      register: password
	      ignore_errors: true
	    - ansible.builtin.debug:
	        msg: "RESULT plain={{ plain.stdout }} sudo={{ sudo.stdout }} piped={{ piped.stdout }} password={{ password.msg }}"
	PLAY
	run -0 ans ansible-playbook "$BATS_TEST_TMPDIR/become.yml"
	assert_output --partial "RESULT plain=$uid sudo=0 piped=0 password=rsh connection: become method 'sudo' wants a password"
}
