#!/bin/bash
# bench/fanhosts.sh BUILD [TARGETS] [SIZE]: what `make bench-fanhosts`
# runs.  One SIZE-byte file (100 MiB) to TARGETS (100) targets, fanout
# 32, by `rcp -w` and by `pdcp -R ssh`, in two settings:
#
#   one host   every target name is one rshd and one sshd, as in make
#              bench's section 11: each copy lands on the same path and
#              replaces the one before it;
#   own hosts  target N is 127.0.1.N with an rshd and an sshd of its
#              own, each in a mount namespace where the destination
#              directory is the host's own, as on N machines: every
#              copy is a new file.
#
# Each run copies to a name that does not exist yet (the last run's files
# are removed and the disk synced first, untimed).  TRIES (1) runs per
# tool and setting; it prints the median.  Root only (mount namespaces,
# sshd as a private daemon); needs sshd and pdsh's pdcp.
set -eu
exec </dev/null

if [ $# -lt 1 ]; then
	echo "usage: bash bench/fanhosts.sh BUILD [TARGETS] [SIZE]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
lib_name=bench-fanhosts
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
lib_build "$1" rshd rsh rcp
targets=${2:-100} size=${3:-104857600} tries=${TRIES:-1}
if [ "$(id -u)" != 0 ]; then
	echo "$lib_name: needs root (mount namespaces, private sshds)" >&2
	exit 2
fi
for p in /usr/sbin/sshd ssh pdcp unshare; do
	if ! command -v "$p" >/dev/null; then
		echo "$lib_name: $p is missing (apt-get install" \
		    "openssh-server pdsh)" >&2
		exit 2
	fi
done
if [ "$targets" -lt 1 ] || [ "$targets" -gt 250 ]; then
	echo "$lib_name: TARGETS must be 1 to 250 (127.0.1.N)" >&2
	exit 2
fi

lib_tmpdir rsh-fanhosts
trap 'lib_stop_all; rm -rf "$dir"' EXIT
lib_signals
lib_keys
ssh-keygen -q -t ed25519 -N '' -C bench -f "$dir/id"
ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
mkdir -p "$dir/home/.ssh" "$dir/dst"
cp "$dir/id.pub" "$dir/authorized_keys"
[ -d /run/sshd ] || mkdir -m 755 /run/sshd
head -c "$size" /dev/urandom >"$dir/src"

# in_host DIR CMD...: CMD in a mount namespace where $dir/dst is DIR and
# root's home an empty directory of ours (no startup files of the real
# one are run or measured).
root_home=$(getent passwd 0 | cut -d: -f6)
in_host() {
	# shellcheck disable=SC2016
	exec unshare -m sh -c 'mount --bind "$0" "$1" &&
	    mount --bind "$2" "$3" && shift 3 && exec "$@"' \
	    "$dir/home" "${root_home:-/root}" "$@"
}

# host N: 127.0.1.N's rshd and sshd, its destination $dir/hN/dst.
host() {
	local h=$dir/h$1
	mkdir -p "$h/dst"
	in_host "$h/dst" "$dir/dst" "$build/rshd" -f none -D -l "127.0.1.$1" \
	    -p 0 --port-file "$h/port" -k "$dir/keys" \
	    -o PermitRootCommands=yes >"$h/rshd.log" 2>&1 3>&- &
	lib_track $!
	lib_wait_file "$h/port" $! "$h/rshd.log" "rshd of 127.0.1.$1" ||
	    exit 1
	cat >"$h/sshd_config" <<-EOF
		ListenAddress 127.0.1.$1
		HostKey $dir/hostkey
		PidFile $h/sshd.pid
		AuthorizedKeysFile $dir/authorized_keys
		StrictModes no
		UsePAM no
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		MaxStartups 256
		MaxSessions 256
		PrintMotd no
		UseDNS no
		LogLevel ERROR
	EOF
	in_host "$h/dst" "$dir/dst" /usr/sbin/sshd -D -e -f "$h/sshd_config" \
	    -p 2200 >"$h/sshd.log" 2>&1 3>&- &
	lib_track $!
	lib_wait_file "$h/sshd.pid" $! "$h/sshd.log" "sshd of 127.0.1.$1" ||
	    exit 1
}

# configs HOSTS: rsh's and ssh's configs naming t1..tTARGETS, target N on
# host N, or on host 1 when HOSTS is 1.
configs() {
	local n m
	for ((n = 1; n <= targets; n++)); do
		m=$n
		[ "$1" != 1 ] || m=1
		printf 'Host t%s\n    HostName 127.0.1.%s\n    Port %s\n' \
		    "$n" "$m" "$(cat "$dir/h$m/port")"
	done >"$dir/rsh_config"
	printf 'Host *\n    Key %s\n' "$dir/key" >>"$dir/rsh_config"
	for ((n = 1; n <= targets; n++)); do
		m=$n
		[ "$1" != 1 ] || m=1
		printf 'Host t%s\n    HostName 127.0.1.%s\n' "$n" "$m"
	done >"$dir/ssh_config"
	# Every sshd has one host key, checked strictly under one name.
	cat >>"$dir/ssh_config" <<-EOF
		Host *
		    Port 2200
		    User root
		    IdentityFile $dir/id
		    IdentitiesOnly yes
		    IdentityAgent none
		    HostKeyAlias bench-fanhost
		    UserKnownHostsFile $dir/known_hosts
		    GlobalKnownHostsFile /dev/null
		    StrictHostKeyChecking yes
		    BatchMode yes
		    LogLevel ERROR
	EOF
}
echo "bench-fanhost $(cut -d' ' -f1-2 "$dir/hostkey.pub")" >"$dir/known_hosts"
export PDSH_SSH_ARGS="-F $dir/ssh_config %h"
unset PDSH_SSH_ARGS_APPEND

# timed NAME CMD...: CMD's wall time in ms, after removing NAME from every
# host and syncing (untimed).
timed() {
	local name=$1 t0 t1
	shift
	rm -f "$dir"/h*/dst/"$name" "$dir"/h*/dst/."$name"*
	sync
	t0=$EPOCHREALTIME
	"$@"
	t1=$EPOCHREALTIME
	echo $(((${t1/./} - ${t0/./}) / 1000))
}
# median: of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 }
	    END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m }'
}

for ((n = 1; n <= targets; n++)); do
	host "$n"
done
configs 1
ssh -F "$dir/ssh_config" t1 true || {
	echo "$lib_name: the private sshd does not answer:" >&2
	tail -n 5 "$dir/h1/sshd.log" >&2
	exit 1
}
printf '%-44s %12s %12s %7s\n' "$(awk -v b="$size" -v t="$targets" \
    'BEGIN { printf "%g MiB to %d targets, fanout 32", b / 1048576, t }')" \
    "rcp -w (s)" "pdcp (s)" ratio
for setting in 1 "$targets"; do
	configs "$setting"
	for ((k = 0; k < tries; k++)); do
		timed fan "$build/rcp" -q -F "$dir/rsh_config" \
		    -w "t[1-$targets]" -f 32 "$dir/src" "$dir/dst/fan"
	done | median >"$dir/rcp.ms"
	for ((k = 0; k < tries; k++)); do
		timed pd pdcp -R ssh -f 32 -w "t[1-$targets]" "$dir/src" \
		    "$dir/dst/pd"
	done | median >"$dir/pd.ms"
	if [ "$setting" = 1 ]; then
		label="one host (make bench's setting)"
	else
		label="own hosts (own rshd, sshd, destination)"
	fi
	awk -v l="$label" -v a="$(cat "$dir/rcp.ms")" \
	    -v b="$(cat "$dir/pd.ms")" 'BEGIN { printf "%-44s %12.1f %12.1f %6.1fx\n",
	    l, a / 1000, b / 1000, b / a }'
done
