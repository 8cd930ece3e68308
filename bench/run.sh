#!/bin/bash
# bench/run.sh BUILD_DIR: what `make bench` runs.  Measures rsh side by
# side with OpenSSH and dropbear in one run on one machine: it starts its
# own rshd and, when they are installed (it installs Debian's packages as
# root), a private sshd and a private dropbear on free loopback ports, with
# throwaway host and user keys in a temporary directory.  It never touches
# system services, system keys or ~/.ssh, and stops everything it started,
# by pid, however it exits.
#
# Measured, each as a median with its min and max:
#   1. the latency of one remote `true`, whole client process;
#   2. stdout of SIZE bytes, 3. stdin of INSIZE bytes into `cat >/dev/null`;
#   4. commands per second with 8 and 32 clients at once;
#   5. rshd's memory per idle authenticated connection (against sshd's and
#      dropbear's) and its RSS after MANY commands;
#   6. the cost curve: latency and commands per second at 1, 10, 100 and
#      1000 concurrent clients, also drawn in bench/results.svg;
#   7. fan-out of `true` to 100 and 1,000 targets at fanout 32: rsh -w
#      against pdsh -R exec running rsh and pdsh -R ssh to the private sshd
#      (not to 1,000 targets in a short run);
#   8. the latency of one `true` through a master (rsh -M) against direct
#      and against a local `sh -c true`;
#   9. 1,000 clients of `rsh true` released together from a barrier
#      against an rshd at its default settings, without and with
#      --retry 3: how many are lost, and the listen queue's overflows;
# then the issues' targets, each with pass or miss.  It prints one table and
# writes it, with the machine's description, to bench/results.md.
#
# Environment: BENCH_QUICK=1 (a short run, a few minutes), BENCH_NOTE
# (a sentence for results.md, e.g. what else ran), BENCH_OUT (directory for
# results.md and results.svg, default bench/), BENCH_NO_INSTALL=1 (never run
# apt-get), and the sizes: RUNS, TRIES, SIZE, INSIZE, CMDS, IDLE, SSHIDLE,
# MANY, FAN_TRIES (fan-outs timed per row), FAN_SSH_TRIES (the same for
# pdsh -R ssh to 100 targets; to 1,000, one).
set -eu
# Every command gets the same stdin: /dev/null, as a script or cron job
# would give it (rsh sends NO_STDIN for it).
exec </dev/null

if [ $# -ne 1 ]; then
	echo "usage: bash bench/run.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
lib_name=bench
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
lib_build "$1" rshd rsh tools/timeit tools/holdconns tools/herd
rsh=$build/rsh
timeit=$build/tools/timeit
holdconns=$build/tools/holdconns
herd=$build/tools/herd
quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] || quick=1
if [ "$quick" = 1 ]; then
	runs=${RUNS:-40} tries=${TRIES:-1} size=${SIZE:-268435456}
	insize=${INSIZE:-134217728} cmds=${CMDS:-400} idle=${IDLE:-1000}
	sshidle=${SSHIDLE:-20} many=${MANY:-5000}
else
	runs=${RUNS:-300} tries=${TRIES:-3} size=${SIZE:-1073741824}
	insize=${INSIZE:-536870912} cmds=${CMDS:-2000} idle=${IDLE:-1000}
	sshidle=${SSHIDLE:-50} many=${MANY:-100000}
fi
out=${BENCH_OUT:-$here}
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
me=$(id -un)

umask 077
lib_tmpdir rsh-bench
cm_up=0		# the ssh ControlMaster is running
made_run_sshd=0	# we made /run/sshd (sshd's privilege separation directory)
policy_saved=	# how /usr/sbin/policy-rc.d was before an install: saved, none

cleanup() {
	set +e
	if [ "$cm_up" = 1 ]; then
		"${ssh_cmd[@]}" -o ControlPath="$dir/cm" -O exit 127.0.0.1 \
		    >/dev/null 2>&1
	fi
	# The daemons' own children (sshd's and dropbear's sessions) end
	# with them.
	lib_stop_all
	restore_policy
	[ "$made_run_sshd" = 1 ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
lib_signals

note() { echo "bench: $*" >&2; echo "$*" >>"$dir/notes"; }
: >"$dir/notes"

# --- Packages ------------------------------------------------------------
# Debian's packages for the peers, installed as root when missing, with a
# policy-rc.d that forbids starting services while apt-get runs; a service
# the install enabled for the next boot is disabled again, as before.

restore_policy() {
	case $policy_saved in
	saved) mv -f "$dir/policy-rc.d" /usr/sbin/policy-rc.d ;;
	none) rm -f /usr/sbin/policy-rc.d ;;
	esac
	policy_saved=
}

pkg_missing() {
	local p st missing=
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) ||
		    st=
		[ "$st" = installed ] || missing="$missing $p"
	done
	echo "$missing"
}

install_peers() {
	local want="openssh-server openssh-client dropbear-bin socat gnuplot-nox
	    pdsh"
	local missing had_ssh
	command -v dpkg-query >/dev/null 2>&1 || return 0
	missing=$(pkg_missing $want)
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ] || [ "${BENCH_NO_INSTALL:-0}" = 1 ]; then
		note "not installed:$missing (as root, make bench installs" \
		    "them); their rows are left out"
		return 0
	fi
	had_ssh=$(pkg_missing openssh-server)
	echo "bench: installing$missing (services kept from starting)" >&2
	if [ -e /usr/sbin/policy-rc.d ]; then
		cp -p /usr/sbin/policy-rc.d "$dir/policy-rc.d"
		policy_saved=saved
	else
		policy_saved=none
	fi
	printf '#!/bin/sh\n# bench/run.sh: no service starts\nexit 101\n' \
	    >/usr/sbin/policy-rc.d.bench
	chmod 755 /usr/sbin/policy-rc.d.bench
	mv -f /usr/sbin/policy-rc.d.bench /usr/sbin/policy-rc.d
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! apt-get install -y -q --no-install-recommends $missing \
	    >"$dir/apt.log" 2>&1; then
		apt-get update -q >>"$dir/apt.log" 2>&1 || true
		apt-get install -y -q --no-install-recommends $missing \
		    >>"$dir/apt.log" 2>&1 ||
		    note "apt-get install$missing failed; see the rows left out"
	fi
	restore_policy
	# openssh-server enables ssh.service for the next boot: it was not
	# installed before, so no sshd should start at boot now either.
	if [ -n "$had_ssh" ] && [ -z "$(pkg_missing openssh-server)" ]; then
		update-rc.d ssh disable >/dev/null 2>&1 || true
		note "installed openssh-server; its ssh service was left" \
		    "disabled (it generated /etc/ssh host keys, unused here)"
	fi
}
install_peers

# --- Helpers -------------------------------------------------------------

# free_port: a port below the ephemeral range (where clients' ports come
# from) that no TCP or UDP socket uses now.
read -r eph_low _ </proc/sys/net/ipv4/ip_local_port_range
[ "$eph_low" -gt 11000 ] || eph_low=32768
free_port() {
	local p
	while :; do
		p=$((10000 + RANDOM % (eph_low - 10000)))
		if ! ss -Htuan "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return
		fi
	done
}

# wait_listen PORT PID LOG WHAT: waits until PID listens on PORT.
wait_listen() {
	local i=0
	while ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; do
		i=$((i + 1))
		if [ "$i" -gt 500 ] || ! kill -0 "$2" 2>/dev/null; then
			note "$4 did not start: $(tail -n 3 "$3" | tr '\n' ' ')"
			return 1
		fi
		sleep 0.02
	done
}

# wait_for CHECK...: polls CHECK (a command) for up to 60 s.
wait_for() {
	local i=0
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt 3000 ] || return 1
		sleep 0.02
	done
}

# The daemons run their commands as this account, in its home directory.
# As root, each daemon runs in a private mount namespace where that home
# is an empty directory of ours: dropbear (2022.83 has no option for where
# authorized_keys are) finds our key there and no real ~/.ssh is read, and
# no daemon's shell runs the account's startup files (bash runs ~/.bashrc
# for sshd's and dropbear's commands: that would be measured too).
home=$(getent passwd "$me" | cut -d: -f6)
fakehome=$dir/home
mkdir -m 700 "$fakehome" "$fakehome/.ssh"
if [ "$(id -u)" = 0 ] && [ -d "$home" ] &&
    unshare -m sh -c "mount --bind '$fakehome' '$home'" 2>/dev/null; then
	privhome=(unshare -m sh -c 'mount --bind "$0" "$1" && shift &&
	    exec "$@"' "$fakehome" "$home")
	in_privhome() { exec "${privhome[@]}" "$@"; }
	lib_rshd_wrap=in_privhome
else
	privhome=()
	note "not root (or no mount namespaces): the daemons see the real" \
	    "home directory; dropbear is left out"
fi
# Clients that look for ~/.ssh (dbclient) look in ours, and rsh -M puts
# its control socket in our directory.
export HOME=$dir/clienthome
export XDG_RUNTIME_DIR=$dir/run
mkdir -m 700 "$HOME" "$XDG_RUNTIME_DIR"

# Result rows: section, label, median, min, max, unit (tab separated).
: >"$dir/rows"
declare -A med
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$dir/rows"
	printf '  %-44s %10s %10s %10s  %s\n' "$2" "$3" "$4" "$5" "$6"
}
section() {
	printf '%s\t\t\t\t\t\n' "$1" >>"$dir/rows"
	printf '\n%s\n  %-44s %10s %10s %10s\n' "$1" "" median min max
}
skip() {
	printf '%s\t%s\t-\t-\t-\t%s\n' "$1" "$2" "$3" >>"$dir/rows"
	printf '  %-44s %s\n' "$2" "$3"
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# lat ID LABEL CMD...: latency of CMD, RUNS runs one after the other.
lat() {
	local id=$1 label=$2 r
	shift 2
	r=$("$timeit" -n "$runs" "$@" 2>>"$dir/errors") || {
		skip "$cur" "$label" "failed: $(tail -n 1 "$dir/errors")"
		return 0
	}
	set -- $r
	med[$id]=$2
	row "$cur" "$label" "$(ms "$2")" "$(ms "$1")" "$(ms "$4")" ms
}

# thru ID LABEL BYTES CMD...: throughput of CMD moving BYTES, TRIES runs.
thru() {
	local id=$1 label=$2 bytes=$3 r
	shift 3
	r=$("$timeit" -w 0 -n "$tries" "$@" 2>>"$dir/errors") || {
		skip "$cur" "$label" "failed: $(tail -n 1 "$dir/errors")"
		return 0
	}
	set -- $r
	med[$id]=$(awk -v b="$bytes" -v us="$2" 'BEGIN { print b / us }')
	row "$cur" "$label" "$(awk -v b="$bytes" -v us="$2" \
	    'BEGIN { printf "%.0f", b / us }')" \
	    "$(awk -v b="$bytes" -v us="$4" 'BEGIN { printf "%.0f", b / us }')" \
	    "$(awk -v b="$bytes" -v us="$1" 'BEGIN { printf "%.0f", b / us }')" \
	    MB/s
}

# cps ID LABEL CONC N CMD...: commands per second, N runs CONC at a time,
# measured TRIES times.
cps() {
	local id=$1 label=$2 conc=$3 n=$4 i r all=
	shift 4
	for ((i = 0; i < tries; i++)); do
		r=$("$timeit" -w "$conc" -c "$conc" -n "$n" "$@" \
		    2>>"$dir/errors") || {
			skip "$cur" "$label" "failed: $(tail -n 1 "$dir/errors")"
			return 0
		}
		all="$all $(echo "$r" | awk -v n="$n" -v k="${CPS_EACH:-1}" \
		    '{ print n * k / ($5 / 1e6) }')"
	done
	r=$(echo $all | tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 }
	    END { printf "%.0f %.0f %.0f", v[int((NR + 1) / 2)], v[1], v[NR] }')
	set -- $r
	med[$id]=$1
	row "$cur" "$label" "$1" "$2" "$3" /s
}

# --- rshd ----------------------------------------------------------------
# Room for 1000 idle connections and 1000 concurrent commands.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
lib_rshd -o MaxConnections=4096 -o MaxUnauthenticated=2048 \
    -o MaxUnauthenticatedPerSource=2048 -o ListenBacklog=4096
host=127.0.0.1:$rport
rshc=("$rsh" -k "$dir/key")

# --- OpenSSH -------------------------------------------------------------
have_ssh=0
ssh_cmd=(ssh)
ssh-keygen -q -t ed25519 -N '' -C bench -f "$dir/id_ed25519"
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
cp "$dir/id_ed25519.pub" "$fakehome/.ssh/authorized_keys"
if [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null &&
    [ ${#privhome[@]} -gt 0 ]; then
	ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key"
	sport=$(free_port)
	# MaxStartups and MaxSessions: 32 concurrent clients and the idle ones.
	cat >"$dir/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		HostKey $dir/ssh_host_ed25519_key
		PidFile $dir/sshd.pid
		AuthorizedKeysFile $dir/authorized_keys
		StrictModes no
		UsePAM no
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		AllowUsers $me
		MaxStartups 256
		MaxSessions 256
		X11Forwarding no
		PrintMotd no
		PrintLastLog no
		UseDNS no
		LogLevel INFO
	EOF
	if [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd
		made_run_sshd=1
	fi
	"${privhome[@]}" /usr/sbin/sshd -D -e -f "$dir/sshd_config" -p "$sport" \
	    </dev/null >"$dir/sshd.log" 2>&1 3>&- &
	sshd_pid=$!
	lib_track "$sshd_pid"
	ssh_cmd=(ssh -F /dev/null -i "$dir/id_ed25519" -o IdentitiesOnly=yes
	    -o IdentityAgent=none -o UserKnownHostsFile="$dir/known_hosts"
	    -o GlobalKnownHostsFile=/dev/null
	    -o StrictHostKeyChecking=accept-new -o BatchMode=yes
	    -o LogLevel=ERROR -p "$sport" -l "$me")
	if wait_listen "$sport" "$sshd_pid" "$dir/sshd.log" sshd &&
	    "${ssh_cmd[@]}" 127.0.0.1 true 2>>"$dir/errors"; then
		have_ssh=1
		# The ControlMaster: forks once authenticated.
		# -M once: given twice (or with ControlMaster=yes) it asks.
		if "${ssh_cmd[@]}" -o ControlPath="$dir/cm" -M -N -f 127.0.0.1 \
		    >/dev/null 2>>"$dir/errors"; then
			cm_up=1
			cm_pid=$("${ssh_cmd[@]}" -o ControlPath="$dir/cm" -O check \
			    127.0.0.1 2>&1 | sed -n 's/.*(pid=\([0-9]*\)).*/\1/p')
			[ -z "$cm_pid" ] || lib_track "$cm_pid"
		fi
	else
		note "the private sshd does not answer; ssh rows left out"
	fi
elif [ ${#privhome[@]} -gt 0 ]; then
	note "no /usr/sbin/sshd or ssh: ssh rows left out"
fi
sshc=("${ssh_cmd[@]}")
sshcm=("${ssh_cmd[@]}" -o ControlPath="$dir/cm" -o ControlMaster=no)

# --- dropbear ------------------------------------------------------------
have_db=0
if command -v dropbear >/dev/null && command -v dbclient >/dev/null &&
    [ ${#privhome[@]} -gt 0 ]; then
	dropbearkey -t ed25519 -f "$dir/db_host_key" >/dev/null 2>&1
	dropbearconvert openssh dropbear "$dir/id_ed25519" "$dir/id_dropbear" \
	    >/dev/null 2>&1
	dport=$(free_port)
	"${privhome[@]}" dropbear -F -E -s -p "127.0.0.1:$dport" \
	    -r "$dir/db_host_key" -P "$dir/dropbear.pid" \
	    </dev/null >"$dir/dropbear.log" 2>&1 3>&- &
	db_pid=$!
	lib_track "$db_pid"
	dbc=(dbclient -y -i "$dir/id_dropbear" -p "$dport" -l "$me")
	# dropbear admits 5 unauthenticated connections per source address
	# (compiled in): concurrent clients come from 127.0.0.2-201.
	cat >"$dir/dbspread" <<-'EOF'
		#!/bin/sh
		exec dbclient -b 127.0.0.$(($$ % 200 + 2)) "$@"
	EOF
	chmod 700 "$dir/dbspread"
	dbs=("$dir/dbspread" "${dbc[@]:1}")
	if wait_listen "$dport" "$db_pid" "$dir/dropbear.log" dropbear &&
	    "${dbc[@]}" 127.0.0.1 true 2>>"$dir/errors"; then
		have_db=1
	else
		note "the private dropbear does not answer; dbclient rows left out"
	fi
elif [ ${#privhome[@]} -gt 0 ]; then
	note "no dropbear or dbclient: dropbear rows left out"
fi

# --- socat: the unencrypted loopback floor ---------------------------------
have_socat=0
if command -v socat >/dev/null; then
	op=$(free_port)
	socat -b 131072 TCP-LISTEN:"$op",bind=127.0.0.1,reuseaddr,fork \
	    SYSTEM:"head -c $size /dev/zero" </dev/null >/dev/null \
	    2>>"$dir/errors" 3>&- &
	out_pid=$!
	lib_track "$out_pid"
	ip=$(free_port)
	socat -u -b 131072 TCP-LISTEN:"$ip",bind=127.0.0.1,reuseaddr,fork \
	    SYSTEM:"cat >/dev/null" </dev/null >/dev/null 2>>"$dir/errors" 3>&- &
	in_pid=$!
	lib_track "$in_pid"
	if wait_listen "$op" "$out_pid" "$dir/errors" socat &&
	    wait_listen "$ip" "$in_pid" "$dir/errors" socat; then
		have_socat=1
	fi
else
	note "no socat: the unencrypted loopback row is left out"
fi

echo "rsh benchmark$([ "$quick" = 1 ] && echo ' (BENCH_QUICK)'):" \
    "$(uname -sr), $(nproc) CPUs, build $build"

# --- 1. Latency ------------------------------------------------------------
cur="1. Latency of one remote true, $runs runs (ms)"
section "$cur"
lat local "local: sh -c true" sh -c true
acct_shell=$(getent passwd "$me" | cut -d: -f7)
case $acct_shell in
"" | /bin/sh | /usr/bin/sh) ;;
*) lat acct "local: ${acct_shell##*/} -c true (the account's shell)" \
	"$acct_shell" -c true ;;
esac
lat rsh "rsh" "${rshc[@]}" "$host" true
lat rshu "rsh -u (UDP)" "${rshc[@]}" -u "$host" true
if [ "$have_ssh" = 1 ]; then
	lat ssh "ssh" "${sshc[@]}" 127.0.0.1 true
	if [ "$cm_up" = 1 ]; then
		lat sshcm "ssh through a ControlMaster" "${sshcm[@]}" 127.0.0.1 true
	fi
fi
[ "$have_db" = 0 ] || lat db "dbclient" "${dbc[@]}" 127.0.0.1 true

# --- 2. stdout -------------------------------------------------------------
cur="2. stdout of $size bytes, $tries runs (MB/s)"
section "$cur"
thru out_local "local pipe: head | cat" "$size" \
    sh -c "head -c $size /dev/zero | cat"
[ "$have_socat" = 0 ] || thru out_socat "socat over loopback (no crypto)" \
    "$size" socat -u -b 131072 TCP:127.0.0.1:"$op" STDOUT
thru out_rsh "rsh" "$size" "${rshc[@]}" -n "$host" "head -c $size /dev/zero"
if [ "$have_ssh" = 1 ]; then
	thru out_sshgcm "ssh -c aes128-gcm@openssh.com" "$size" "${sshc[@]}" \
	    -c aes128-gcm@openssh.com 127.0.0.1 "head -c $size /dev/zero"
	thru out_ssh "ssh (default cipher)" "$size" "${sshc[@]}" 127.0.0.1 \
	    "head -c $size /dev/zero"
fi
[ "$have_db" = 0 ] || thru out_db "dbclient" "$size" "${dbc[@]}" 127.0.0.1 \
    "head -c $size /dev/zero"

# --- 3. stdin --------------------------------------------------------------
cur="3. stdin of $insize bytes into cat >/dev/null, $tries runs (MB/s)"
section "$cur"
feed="head -c $insize /dev/zero |"
q() { printf '%q ' "$@"; }
thru in_local "local pipe: head | cat >/dev/null" "$insize" \
    sh -c "$feed cat >/dev/null"
[ "$have_socat" = 0 ] || thru in_socat "socat over loopback (no crypto)" \
    "$insize" sh -c "$feed socat -u -b 131072 STDIN TCP:127.0.0.1:$ip"
thru in_rsh "rsh" "$insize" sh -c "$feed $(q "${rshc[@]}" "$host") \
    'cat >/dev/null'"
if [ "$have_ssh" = 1 ]; then
	thru in_sshgcm "ssh -c aes128-gcm@openssh.com" "$insize" sh -c \
	    "$feed $(q "${sshc[@]}" -c aes128-gcm@openssh.com 127.0.0.1) \
	    'cat >/dev/null'"
	thru in_ssh "ssh (default cipher)" "$insize" sh -c \
	    "$feed $(q "${sshc[@]}" 127.0.0.1) 'cat >/dev/null'"
fi
[ "$have_db" = 0 ] || thru in_db "dbclient" "$insize" sh -c \
    "$feed $(q "${dbc[@]}" 127.0.0.1) 'cat >/dev/null'"

# --- 4. Commands per second --------------------------------------------------
# Each command is a new client process, as from a script; the slow peers
# (ssh, dbclient: tens of ms of CPU each) run a twentieth as many.
slow=$((cmds / (quick ? 16 : 20)))
lines=50
yes true | head -n "$lines" >"$dir/lines"
for conc in 8 32; do
	cur="4. Commands per second, $conc at a time ($cmds runs, ssh and dbclient $slow; $tries times)"
	section "$cur"
	cps "local$conc" "local: sh -c true, $conc at a time (xargs -P$conc)" "$conc" \
	    "$cmds" sh -c true
	cps "rsh$conc" "rsh" "$conc" "$cmds" "${rshc[@]}" "$host" true
	cps "rshu$conc" "rsh -u (UDP)" "$conc" "$cmds" "${rshc[@]}" -u "$host" true
	# rshd's own capacity: no client process per command.  Each client
	# runs $lines commands on one connection (line mode).
	CPS_EACH=$lines cps "rshl$conc" \
	    "rsh line mode ($conc clients, $lines commands each)" "$conc" \
	    "$((cmds / lines))" sh -c "$(q "${rshc[@]}" --line-mode "$host") <$(q "$dir/lines")"
	if [ "$have_ssh" = 1 ]; then
		[ "$cm_up" = 0 ] || cps "sshcm$conc" "ssh through a ControlMaster" \
		    "$conc" "$slow" "${sshcm[@]}" 127.0.0.1 true
		cps "ssh$conc" "ssh" "$conc" "$slow" "${sshc[@]}" 127.0.0.1 true
	fi
	[ "$have_db" = 0 ] || cps "db$conc" "dbclient (from 200 addresses)" \
	    "$conc" "$slow" "${dbs[@]}" 127.0.0.1 true
done

# --- 5. Memory -------------------------------------------------------------
# tree_kib PID FIELD: FIELD (Rss or Pss) summed over PID and its
# descendants, in KiB, from /proc/PID/smaps_rollup.
tree_kib() {
	local p sum=0 v
	for p in $(lib_tree_pids "$1"); do
		v=$(awk -v f="$2:" '$1 == f { print $2 }' \
		    /proc/"$p"/smaps_rollup 2>/dev/null) || v=
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
# per_conn LABEL PID N: the growth of PID's tree since the last snapshot
# (rss0, pss0), per connection, as two rows.
per_conn() {
	local rss pss
	rss=$(tree_kib "$2" Rss)
	pss=$(tree_kib "$2" Pss)
	med[$4rss]=$(awk -v a="$rss" -v b="$rss0" -v n="$3" \
	    'BEGIN { printf "%.1f", (a - b) / n }')
	med[$4pss]=$(awk -v a="$pss" -v b="$pss0" -v n="$3" \
	    'BEGIN { printf "%.1f", (a - b) / n }')
	row "$cur" "$1: RSS per connection ($rss0 -> $rss KiB)" \
	    "${med[$4rss]}" - - KiB
	row "$cur" "$1: PSS per connection ($pss0 -> $pss KiB)" \
	    "${med[$4pss]}" - - KiB
}
count_in() { [ "$(grep -c "$2" "$1" || true)" -ge "$3" ]; }

cur="5. Memory per idle authenticated connection, and rshd over $many commands"
section "$cur"
# First the commands: after the idle connections below, the freed heap
# they leave would hide a slow leak from RSS.
rss_before=$(tree_kib "$rshd_pid" Rss)
if "$timeit" -w 0 -c 8 -n "$many" "${rshc[@]}" "$host" true \
    >/dev/null 2>>"$dir/errors"; then
	rss_after=$(tree_kib "$rshd_pid" Rss)
	med[growth]=$((rss_after - rss_before))
	row "$cur" "rshd RSS after $many commands ($rss_before -> $rss_after KiB)" \
	    "${med[growth]}" - - "KiB more"
else
	skip "$cur" "rshd RSS after $many commands" \
	    "failed: $(tail -n 1 "$dir/errors")"
fi

rss0=$(tree_kib "$rshd_pid" Rss)
pss0=$(tree_kib "$rshd_pid" Pss)
threads() { ls /proc/"$rshd_pid"/task | wc -l; }
threads0=$(threads)
threads_back() { [ "$(threads)" -le "$threads0" ]; }
mkfifo "$dir/hold.in"
"$holdconns" -k "$dir/key" 127.0.0.1 "$rport" "$idle" <"$dir/hold.in" \
    >"$dir/hold.out" 2>>"$dir/errors" 3>&- &
hold_pid=$!
lib_track "$hold_pid"
exec 4>"$dir/hold.in"
hold_done() {
	grep -q '^ready' "$dir/hold.out" || ! kill -0 "$hold_pid" 2>/dev/null
}
wait_for hold_done || true
if grep -q '^ready' "$dir/hold.out"; then
	per_conn "rshd, $idle idle connections" "$rshd_pid" "$idle" rshd
else
	skip "$cur" "rshd, $idle idle connections" \
	    "holdconns failed: $(tail -n 1 "$dir/errors")"
fi
exec 4>&-
wait "$hold_pid" || true
lib_forget "$hold_pid"
# What rshd keeps once they are gone, when each session's thread is.
wait_for threads_back || true
rss_closed=$(tree_kib "$rshd_pid" Rss)
med[closed]=$(awk -v a="$rss_closed" -v b="$rss0" -v n="$idle" \
    'BEGIN { printf "%.1f", (a - b) / n }')
row "$cur" "rshd, after they closed: RSS kept per connection ($rss0 -> $rss_closed KiB)" \
    "${med[closed]}" - - KiB

# idle_ssh NAME PID PROCS LOG PATTERN CLIENT...: sshidle idle sessions of
# CLIENT, all authenticated once LOG holds PATTERN sshidle more times and
# PID has PROCS processes for each.
idle_ssh() {
	local name=$1 dpid=$2 procs=$3 log=$4 pat=$5 i before base ok=1 cl=()
	shift 5
	before=$(grep -c "$pat" "$log" || true)
	base=$(lib_tree_pids "$dpid" | wc -l)
	rss0=$(tree_kib "$dpid" Rss)
	pss0=$(tree_kib "$dpid" Pss)
	# Four at a time: dropbear admits five unauthenticated per address.
	for ((i = 1; i <= sshidle; i++)); do
		"$@" 127.0.0.1 </dev/null >/dev/null 2>>"$dir/errors" 3>&- &
		cl+=($!)
		lib_track $!
		if [ $((i % 4)) = 0 ] || [ "$i" = "$sshidle" ]; then
			wait_for count_in "$log" "$pat" $((before + i)) || {
				ok=0
				break
			}
		fi
	done
	if [ "$ok" = 1 ]; then
		# The last sessions' processes may still be starting.
		wait_for tree_has "$dpid" $((base + procs * sshidle)) ||
		    note "$name: not $procs processes per session:" \
			"$(lib_tree_pids "$dpid" | wc -l) for $sshidle"
		per_conn "$name, $sshidle idle sessions" "$dpid" "$sshidle" \
		    "$name"
	else
		skip "$cur" "$name, $sshidle idle sessions" "did not authenticate"
	fi
	kill -TERM "${cl[@]}" 2>/dev/null || true
	for i in "${cl[@]}"; do
		wait "$i" 2>/dev/null || true
		lib_forget "$i"
	done
}
tree_has() { [ "$(lib_tree_pids "$1" | wc -l)" -eq "$2" ]; }
# sshd: one process per root session, two (monitor, user's) otherwise.
[ "$have_ssh" = 0 ] || idle_ssh sshd "$sshd_pid" "$([ "$me" = root ] &&
    echo 1 || echo 2)" "$dir/sshd.log" \
    "Accepted publickey" "${sshc[@]}" -N
[ "$have_db" = 0 ] || idle_ssh dropbear "$db_pid" 1 "$dir/dropbear.log" \
    "auth succeeded" "${dbc[@]}" -N

# --- 6. The cost curve -------------------------------------------------------
cur="6. rsh at 1, 10, 100, 1000 concurrent clients (latency ms; commands/s)"
section "$cur"
: >"$dir/curve.dat"
for conc in 1 10 100 1000; do
	n=$((conc * (3 - 2 * quick) > cmds ? conc * (3 - 2 * quick) : cmds))
	if r=$("$timeit" -w $((conc < 8 ? conc : 8)) -c "$conc" -n "$n" \
	    "${rshc[@]}" "$host" true \
	    2>>"$dir/errors"); then
		set -- $r
		row "$cur" "$conc concurrent: latency" "$(ms "$2")" "$(ms "$1")" \
		    "$(ms "$4")" ms
		row "$cur" "$conc concurrent: commands per second ($n runs)" \
		    "$(awk -v n="$n" -v w="$5" 'BEGIN { printf "%.0f", n / (w / 1e6) }')" \
		    - - /s
		echo "$conc $(ms "$2") $(ms "$3") $(awk -v n="$n" -v w="$5" \
		    'BEGIN { printf "%.0f", n / (w / 1e6) }')" >>"$dir/curve.dat"
	else
		skip "$cur" "$conc concurrent" "failed: $(tail -n 1 "$dir/errors")"
	fi
done

# --- 7. Fan-out --------------------------------------------------------------
# `true` to N targets at fanout 32: rsh -w (one process, one poll loop)
# against pdsh, a process per target, running rsh (-R exec) or ssh (-R ssh,
# to the private sshd).  The targets are names t1..tN that each client's
# config maps to 127.0.0.1 and the daemon's port: every target is its own
# connection and handshake, and nothing leaves loopback.
fanout=32
if [ "$quick" = 1 ]; then
	fan_tries=${FAN_TRIES:-3} fan_ssh_tries=${FAN_SSH_TRIES:-1}
else
	fan_tries=${FAN_TRIES:-5} fan_ssh_tries=${FAN_SSH_TRIES:-3}
fi
printf 'Host t*\n    HostName 127.0.0.1\n    Port %s\n    Key %s\n' \
    "$rport" "$dir/key" >"$dir/rsh_config"
have_pdsh=0 pdsh_ssh=0
if command -v pdsh >/dev/null; then
	have_pdsh=1
	if [ "$have_ssh" = 1 ] && pdsh -V 2>&1 | grep -q 'rcmd modules:.*ssh'
	then
		pdsh_ssh=1
	fi
	# pdsh -R ssh runs `ssh ARGS COMMAND`, ARGS from PDSH_SSH_ARGS: our
	# own config, the throwaway user key, and the host key that the
	# first ssh above recorded for [127.0.0.1]:PORT in our known_hosts,
	# checked strictly, so that nothing is written there.
	cat >"$dir/pdsh_ssh_config" <<-EOC
		Host t*
		    HostName 127.0.0.1
		    Port ${sport:-22}
		    User $me
		    IdentityFile $dir/id_ed25519
		    IdentitiesOnly yes
		    IdentityAgent none
		    UserKnownHostsFile $dir/known_hosts
		    GlobalKnownHostsFile /dev/null
		    StrictHostKeyChecking yes
		    UpdateHostKeys no
		    BatchMode yes
		    LogLevel ERROR
	EOC
	export PDSH_SSH_ARGS="-F $dir/pdsh_ssh_config %h"
	unset PDSH_SSH_ARGS_APPEND
else
	note "no pdsh (Debian pdsh): the pdsh fan-out rows are left out"
fi

# fan ID LABEL TRIES CMD...: the time CMD takes to run true on every
# target, in ms over TRIES runs (after one untimed run when TRIES > 1).
fan() {
	local id=$1 label=$2 n=$3 r
	shift 3
	r=$("$timeit" -w $((n > 1 ? 1 : 0)) -n "$n" "$@" 2>>"$dir/errors") || {
		skip "$cur" "$label" "failed: $(tail -n 1 "$dir/errors")"
		return 0
	}
	set -- $r
	med[$id]=$2
	row "$cur" "$label" "$(ms "$2")" "$(ms "$1")" "$(ms "$4")" ms
}

cur="7. Fan-out of true, fanout $fanout (ms for all targets; $fan_tries runs, pdsh -R ssh $fan_ssh_tries)"
section "$cur"
for n in 100 1000; do
	fan "fan_rsh$n" "$n targets: rsh -w t[1-$n] -f $fanout" "$fan_tries" \
	    "$rsh" -F "$dir/rsh_config" -w "t[1-$n]" -f "$fanout" true
	[ "$have_pdsh" = 1 ] || continue
	fan "fan_exec$n" "$n targets: pdsh -R exec ... rsh %h" "$fan_tries" \
	    pdsh -R exec -f "$fanout" -w "t[1-$n]" \
	    "$rsh" -F "$dir/rsh_config" %h true
	if [ "$pdsh_ssh" = 0 ]; then
		skip "$cur" "$n targets: pdsh -R ssh" \
		    "left out: no private sshd, or pdsh without its ssh module"
	elif [ "$n" -gt 100 ] && [ "$quick" = 1 ]; then
		# Ten times the 100 targets' time: minutes on a busy machine.
		skip "$cur" "$n targets: pdsh -R ssh" \
		    "left out of a short run (about 10 times the 100 targets' time)"
	else
		# 32 at a time: within the private sshd's MaxStartups (256).
		fan "fan_ssh$n" "$n targets: pdsh -R ssh (the private sshd)" \
		    "$([ "$n" -gt 100 ] && echo 1 || echo "$fan_ssh_tries")" \
		    pdsh -R ssh -f "$fanout" -w "t[1-$n]" true
	fi
done

# --- 8. A master connection ------------------------------------------------
# Last: while a master runs, every rsh to this rshd with this key goes
# through it (pdsh -R exec's too).
cur="8. rsh true through a master (rsh -M), $runs runs (ms)"
section "$cur"
lat m_floor "local: sh -c true (the floor)" sh -c true
lat m_start "rsh -V (rsh's own start, nothing remote)" "$rsh" -V
lat m_direct "rsh, direct" "${rshc[@]}" "$host" true
if "${rshc[@]}" -M "$host" 2>>"$dir/errors"; then
	# No child of ours: the master went to the background itself.
	master_pid=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid 2>/dev/null || true)
	[ -z "$master_pid" ] || lib_track "$master_pid"
	lat m_master "rsh, through a master" "${rshc[@]}" "$host" true
	"${rshc[@]}" -O exit "$host" 2>>"$dir/errors" || true
	if [ -n "$master_pid" ] && lib_wait_gone "$master_pid"; then
		lib_forget "$master_pid"
	fi
else
	skip "$cur" "rsh, through a master" \
	    "rsh -M failed: $(tail -n 1 "$dir/errors")"
fi

# --- 9. A thousand at once ---------------------------------------------------
# 1,000 `rsh true` from one address, held at a barrier and released
# together (tests/tools/herd), as a cron minute would start them, against
# an rshd of its own at the default settings: 256 connection slots (the
# rest are refused as busy), the default backlog.  Lost: exited non-zero.
cur="9. 1,000 clients of rsh true released together, rshd at its defaults"
section "$cur"
# listen_overflows: the kernel's count of connections dropped because a
# listen queue was full (nstat, from iproute2), or nothing.
listen_overflows() {
	nstat -az TcpExtListenOverflows 2>/dev/null |
	    awk '/ListenOverflows/ { print $2 }'
}
mkdir "$dir/herd"
"$build/rshd" -f none -D -l 127.0.0.1 -p 0 --port-file "$dir/herd/port" \
    -k "$dir/keys" -o PermitRootCommands=yes \
    </dev/null >"$dir/herd/rshd.log" 2>&1 3>&- &
herd_rshd=$!
lib_track "$herd_rshd"
if lib_wait_file "$dir/herd/port" "$herd_rshd" "$dir/herd/rshd.log" \
    "rshd (defaults)"; then
	hport=$(cat "$dir/herd/port")
	for retry in 0 3; do
		ov0=$(listen_overflows)
		# herd exits 1 when some were lost: that is the measurement.
		r=$("$herd" -n 1000 -e "$dir/herd/err$retry" "${rshc[@]}" \
		    --retry "$retry" "127.0.0.1:$hport" true 2>>"$dir/errors") ||
		    [ -n "$r" ] || r=
		ov1=$(listen_overflows)
		if [ -z "$r" ]; then
			skip "$cur" "--retry $retry" \
			    "failed: $(tail -n 1 "$dir/errors")"
			continue
		fi
		set -- $r
		med[herd_lost$retry]=$3
		row "$cur" "--retry $retry: clients lost (of $1)" "$3" - - lost
		row "$cur" "--retry $retry: all done in" \
		    "$(awk -v ms="$4" 'BEGIN { printf "%.1f", ms / 1000 }')" - - s
		[ -z "$ov0" ] || [ -z "$ov1" ] ||
		    row "$cur" "--retry $retry: listen queue overflows" \
		    "$((ov1 - ov0))" - - drops
	done
fi
kill -TERM "$herd_rshd" 2>/dev/null || true
wait "$herd_rshd" 2>/dev/null || true
lib_forget "$herd_rshd"

# --- Targets ---------------------------------------------------------------
# target LABEL VALUE GOAL OK: one row of the targets table; VALUE and OK
# come from awk over the medians above (missing: "-", not measured).
: >"$dir/targets"
have() { local k; for k; do [ -n "${med[$k]:-}" ] || return 1; done; }
target() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$dir/targets"
}
calc() { awk "BEGIN { $1 }"; }
verdict() { calc "print ($1) ? \"pass\" : \"miss\""; }
# faster_target LABEL SLOW FAST N: the time SLOW takes over FAST's, at
# least N times.
faster_target() {
	local v
	if have "$2" "$3"; then
		v=$(calc "printf \"%.1f\", ${med[$2]} / ${med[$3]}")
		target "$1" "${v}x faster" ">= ${4}x" "$(verdict "$v >= $4")"
	else
		target "$1" "not measured" ">= ${4}x" -
	fi
}
if have rsh local; then
	v=$(calc "printf \"%.2f\", (${med[rsh]} - ${med[local]}) / 1000")
	target "latency: rsh minus local sh -c true" "$v ms" "<= 1.5 ms" \
	    "$(verdict "$v <= 1.5")"
fi
faster_target "latency: rsh vs ssh through a ControlMaster" sshcm rsh 5
# best_ssh DIR: the faster of the two ssh ciphers, in MB/s.
best_ssh() {
	calc "a = ${med[$1_sshgcm]:-0}; b = ${med[$1_ssh]:-0};
	    print (a > b ? a : b)"
}
for d in out in; do
	name=stdout want=1.5 floor=0.6
	[ "$d" = out ] || name=stdin floor=0.5
	if have "${d}_rsh" && { have "${d}_sshgcm" || have "${d}_ssh"; }; then
		v=$(calc "printf \"%.2f\", ${med[${d}_rsh]} / $(best_ssh "$d")")
		target "$name: rsh vs OpenSSH's fastest cipher" "${v}x" \
		    ">= ${want}x" "$(verdict "$v >= $want")"
	else
		target "$name: rsh vs OpenSSH's fastest cipher" "not measured" \
		    ">= ${want}x" -
	fi
	if have "${d}_rsh" "${d}_local"; then
		v=$(calc "printf \"%.0f\", 100 * ${med[${d}_rsh]} / ${med[${d}_local]}")
		target "$name: rsh vs a local pipe" "$v%" \
		    ">= $(calc "print 100 * $floor")%" \
		    "$(verdict "$v >= 100 * $floor")"
	fi
done
if have rsh8 local8; then
	v=$(calc "printf \"%.0f\", 100 * ${med[rsh8]} / ${med[local8]}")
	target "commands/s, 8 at a time: rsh vs the local floor" "$v%" ">= 75%" \
	    "$(verdict "$v >= 75")"
fi
if have rshl8 local8; then
	# Not a target of its own: the share of the floor rshd reaches when
	# no client process starts per command.
	v=$(calc "printf \"%.0f\", 100 * ${med[rshl8]} / ${med[local8]}")
	target "(for scale) rshd alone, line mode, 8 at a time, vs the floor" \
	    "$v%" "-" "-"
fi
if have rshdrss; then
	target "rshd RSS per idle authenticated connection" \
	    "${med[rshdrss]} KiB" "< 64 KiB" "$(verdict "${med[rshdrss]} < 64")"
fi
for p in sshd dropbear; do
	if have rshdpss "${p}pss"; then
		target "PSS per idle connection: $p / rshd" \
		    "$(calc "printf \"%.0f\", ${med[${p}pss]} / ${med[rshdpss]}")x" \
		    "(for scale)" -
	fi
done
if have growth; then
	target "rshd RSS over $many commands" "${med[growth]} KiB more" \
	    "flat (<= 512 KiB)" "$(verdict "${med[growth]} <= 512")"
fi
faster_target "fan-out, 100 targets: rsh -w vs pdsh -R ssh" fan_ssh100 \
    fan_rsh100 10
for n in 100 1000; do
	if have "fan_rsh$n" "fan_exec$n"; then
		target "fan-out, $n targets: rsh -w vs pdsh -R exec rsh" \
		    "$(calc "printf \"%.1f\", ${med[fan_exec$n]} / ${med[fan_rsh$n]}")x faster" \
		    "(for scale)" -
	fi
done
if have m_master m_floor; then
	v=$(calc "printf \"%.2f\", (${med[m_master]} - ${med[m_floor]}) / 1000")
	target "latency: rsh through a master minus local sh -c true" "$v ms" \
	    "<= 0.5 ms" "$(verdict "$v <= 0.5")"
else
	target "latency: rsh through a master minus local sh -c true" \
	    "not measured" "<= 0.5 ms" -
fi

if have herd_lost3; then
	target "1,000 clients released together, --retry 3: lost" \
	    "${med[herd_lost3]}" "0" "$(verdict "${med[herd_lost3]} == 0")"
else
	target "1,000 clients released together, --retry 3: lost" \
	    "not measured" "0" -
fi

# --- The table, results.md and the plot -------------------------------------
print_table() {
	local s= sec label m lo hi unit
	while IFS=$'\t' read -r sec label m lo hi unit; do
		if [ -z "$label" ]; then
			printf '\n%s\n  %-58s %10s %10s %10s\n' "$sec" "" median min max
			continue
		fi
		if [ "$m" = - ]; then
			printf '  %-58s %s\n' "$label" "$unit"
		else
			printf '  %-58s %10s %10s %10s  %s\n' "$label" "$m" "$lo" "$hi" \
			    "$unit"
		fi
	done <"$dir/rows"
	printf '\nTargets (issues 8, 9 and 16)\n'
	while IFS=$'\t' read -r label m goal ok; do
		printf '  %-52s %16s  %-18s %s\n' "$label" "$m" "$goal" "$ok"
	done <"$dir/targets"
}
echo
echo "================================ Results ================================"
print_table

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
deb=$(cat /etc/debian_version 2>/dev/null || echo "not Debian")
ossl=$(openssl version 2>/dev/null || echo "openssl(1) not installed")
sshv=$(ssh -V 2>&1 | head -n 1)
dbv=$(dropbear -V 2>&1 | head -n 1 || true)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
# The command, with whatever the environment changed.
cmdline="make bench"
for v in FAN_SSH_TRIES FAN_TRIES MANY SSHIDLE IDLE CMDS INSIZE SIZE TRIES \
    RUNS BENCH_QUICK; do
	[ -z "${!v:-}" ] || cmdline="$v=${!v} $cmdline"
done
{
	echo "# rsh benchmark results"
	echo
	echo "Made by \`$cmdline\` (bench/run.sh) on $started_at."
	[ "$quick" = 0 ] || echo "**A short run (BENCH_QUICK=1): fewer runs, smaller sizes.**"
	echo
	echo "| Machine | |"
	echo "|---|---|"
	echo "| CPU | $cpu, $(nproc) cores |"
	echo "| Kernel | $(uname -sr) |"
	echo "| Debian | $deb |"
	echo "| OpenSSL | $ossl |"
	echo "| OpenSSH | $sshv |"
	[ -z "$dbv" ] || echo "| dropbear | $dbv |"
	echo "| Load average | $load_start at the start, $load_end at the end |"
	echo
	if [ -n "${BENCH_NOTE:-}" ]; then
		echo "Note: $BENCH_NOTE"
		echo
	fi
	if [ -s "$dir/notes" ]; then
		sed 's/^/- /' "$dir/notes"
		echo
	fi
	echo "All peers on 127.0.0.1, one account ($me), each daemon started by"
	echo "the script with throwaway keys; every command a new client process."
	echo "Medians with min and max; throughput from the median run's time."
	echo
	echo "| | median | min | max | unit |"
	echo "|---|---:|---:|---:|---|"
	# A "|" in a label ("head | cat") would end a Markdown cell.
	while IFS=$'\t' read -r sec label m lo hi unit; do
		if [ -z "$label" ]; then
			echo "| **$sec** | | | | |"
		else
			echo "| ${label//|/\\|} | $m | $lo | $hi | $unit |"
		fi
	done <"$dir/rows"
	echo
	echo "## Targets (issues 8, 9 and 16)"
	echo
	echo "| target | measured | goal | |"
	echo "|---|---:|---|---|"
	while IFS=$'\t' read -r label m goal ok; do
		echo "| $label | $m | $goal | $ok |"
	done <"$dir/targets"
	echo
	echo "The cost curve is drawn in [results.svg](results.svg)."
} >"$dir/results.md"
cp "$dir/results.md" "$out/results.md"

if command -v gnuplot >/dev/null && [ -s "$dir/curve.dat" ]; then
	gnuplot <<-EOF 2>>"$dir/errors" || note "gnuplot failed"
		set terminal svg size 720,420 dynamic font "sans,11"
		set output "$dir/results.svg"
		set title "rsh: cost against concurrent clients ($cpu, $(nproc) cores)" noenhanced
		set logscale x
		set logscale y
		set xtics ("1" 1, "10" 10, "100" 100, "1000" 1000)
		set xlabel "concurrent clients (each command a new rsh process)"
		set ylabel "latency, ms"
		set y2label "commands per second"
		set ytics nomirror
		set y2tics
		set y2range [0:*]
		set key top left
		set grid
		plot "$dir/curve.dat" using 1:2 with linespoints lw 2 pt 7 \
		         title "median latency (ms)", \
		     "" using 1:3 with linespoints lw 1 pt 6 title "p90 latency (ms)", \
		     "" using 1:4 axes x1y2 with linespoints lw 2 pt 5 \
		         title "commands per second"
	EOF
	[ ! -s "$dir/results.svg" ] || cp "$dir/results.svg" "$out/results.svg"
else
	note "no gnuplot (Debian gnuplot-nox): bench/results.svg not drawn"
fi
echo
echo "Wrote $out/results.md$([ -s "$out/results.svg" ] && echo " and $out/results.svg")"
if [ -s "$dir/notes" ]; then
	echo "Notes:"
	sed 's/^/  /' "$dir/notes"
fi
