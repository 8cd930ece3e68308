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
#  10. rshd's own CPU per command, and where each caller's time goes;
#  11. copying files (bench/rcp.sh): rcp against the stream alone, scp,
#      rsync and tar over ssh, pdcp for many targets, and its memory;
# then the issues' targets, each with pass or miss: issue 19's against the
# floors measured in the same run (the account's shell, /bin/true, the
# crypto any OpenSSL client of protocol v1 must do: bench/floor.c, socat
# over loopback), each miss with what bounds it, measured.  It prints one
# table and writes it, with the machine's description, to
# bench/results.md.
#
# Environment: BENCH_QUICK=1 (a short run, a few minutes), BENCH_NOTE
# (a sentence for results.md, e.g. what else ran), BENCH_OUT (directory for
# results.md and results.svg, default bench/), BENCH_NO_INSTALL=1 (never run
# apt-get), and the sizes: RUNS, TRIES, SIZE, INSIZE, CMDS, IDLE, SSHIDLE,
# MANY, FAN_TRIES (fan-outs timed per row), FAN_SSH_TRIES (the same for
# pdsh -R ssh to 100 targets; to 1,000, one), and section 11's CP_SIZE,
# CP_FILES, CP_FANSIZE, CP_TARGETS and CP_TRIES (bench/rcp.sh).
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
lib_build "$1" rshd rsh tools/timeit tools/holdconns tools/herd \
    bench/floor-crypto bench/floor-spawn
rsh=$build/rsh
timeit=$build/tools/timeit
holdconns=$build/tools/holdconns
herd=$build/tools/herd
floor_crypto=$build/bench/floor-crypto
floor_spawn=$build/bench/floor-spawn
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
	    pdsh rsync"
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
# have KEY...: every med[KEY] was measured.
have() { local k; for k; do [ -n "${med[$k]:-}" ] || return 1; done; }
calc() { awk "BEGIN { $1 }"; }
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

# rshd's CPU, from /proc/PID/stat (clock ticks).  rshd_pid is the network
# part; the privileged part is its child named rshd-priv, and the
# commands' parent: its children's CPU is theirs.  (Read between runs,
# when no command is running.)
tck=$(getconf CLK_TCK)
# rshd_cpu: "PRIV NET USER SYS CMDS" in microseconds so far: the two
# parts' own CPU, the same split into user and system time, and the CPU
# of the commands the privileged part has reaped.
rshd_cpu() {
	local p c files="/proc/$rshd_pid/stat"
	for p in $(cat /proc/"$rshd_pid"/task/*/children 2>/dev/null); do
		c=$(cat /proc/"$p"/comm 2>/dev/null) || continue
		case $c in
		rshd*) files="$files /proc/$p/stat" ;;
		esac
	done
	# shellcheck disable=SC2086
	awk -v t="$tck" -v net="$rshd_pid" '{
		pid = $1; sub(/.*\) /, "")
		# After "pid (comm) ": $12 utime, $13 stime, $14 cutime,
		# $15 cstime.
		if (pid == net) { nt += $12 + $13 }
		else { pr += $12 + $13; k += $14 + $15 }
		u += $12; s += $13
	} END { f = 1e6 / t; printf "%.0f %.0f %.0f %.0f %.0f\n",
	    pr * f, nt * f, u * f, s * f, k * f }' $files
}
# cpu_mark, then cpu_since ID N: rshd's CPU since the mark per command,
# over N commands, in microseconds: med[ID_rshd] (both parts),
# med[ID_priv], med[ID_net], med[ID_user], med[ID_sys], and med[ID_cmds]
# (the commands' own).
cpu_mark() { cpu0=$(rshd_cpu); }
cpu_since() {
	local id=$1 n=$2 r
	r=$(rshd_cpu)
	set -- $cpu0 $r
	med[${id}_priv]=$(((${6} - $1) / n))
	med[${id}_net]=$(((${7} - $2) / n))
	med[${id}_rshd]=$(((${6} + ${7} - $1 - $2) / n))
	med[${id}_user]=$(((${8} - $3) / n))
	med[${id}_sys]=$(((${9} - $4) / n))
	med[${id}_cmds]=$(((${10} - $5) / n))
}
# A process's own CPU (not rshd's), for the master: PID's utime + stime
# in microseconds.
pid_cpu() {
	awk -v t="$tck" '{ sub(/.*\) /, ""); printf "%.0f\n",
	    ($12 + $13) * 1e6 / t }' /proc/"$1"/stat 2>/dev/null || echo 0
}

# lat ID LABEL CMD...: latency of CMD, RUNS runs one after the other
# (after one untimed run); also the CPU per run of CMD's processes,
# med[ID_cpu], and rshd's (cpu_since).
lat() {
	local id=$1 label=$2 r
	shift 2
	cpu_mark
	r=$("$timeit" -r -n "$runs" "$@" 2>>"$dir/errors") || {
		skip "$cur" "$label" "failed: $(tail -n 1 "$dir/errors")"
		return 0
	}
	cpu_since "$id" $((runs + 1))
	set -- $r
	med[$id]=$2
	med[${id}_cpu]=$((($6 + $7) / runs))
	row "$cur" "$label" "$(ms "$2")" "$(ms "$1")" "$(ms "$4")" ms
}

# thru ID LABEL BYTES CMD...: throughput of CMD moving BYTES, TRIES runs.
thru() {
	local id=$1 label=$2 bytes=$3 r
	shift 3
	cpu_mark
	r=$("$timeit" -r -w 0 -n "$tries" "$@" 2>>"$dir/errors") || {
		skip "$cur" "$label" "failed: $(tail -n 1 "$dir/errors")"
		return 0
	}
	# The CPU per run: of CMD's processes (med[ID_cpu]) and rshd's.
	cpu_since "$id" "$tries"
	set -- $r
	med[$id]=$(awk -v b="$bytes" -v us="$2" 'BEGIN { print b / us }')
	med[${id}_wall]=$2
	med[${id}_cpu]=$((($6 + $7) / tries))
	row "$cur" "$label" "$(awk -v b="$bytes" -v us="$2" \
	    'BEGIN { printf "%.0f", b / us }')" \
	    "$(awk -v b="$bytes" -v us="$4" 'BEGIN { printf "%.0f", b / us }')" \
	    "$(awk -v b="$bytes" -v us="$1" 'BEGIN { printf "%.0f", b / us }')" \
	    MB/s
}

# cps ID LABEL CONC N CMD...: commands per second, N runs CONC at a time,
# measured TRIES times; also the CPU per command (CPS_EACH commands a
# run) of CMD's processes, med[ID_cpu], and rshd's (cpu_since).
cps() {
	local id=$1 label=$2 conc=$3 n=$4 i r all="" cpu=0
	local k=${CPS_EACH:-1}
	shift 4
	cpu_mark
	for ((i = 0; i < tries; i++)); do
		r=$("$timeit" -r -w "$conc" -c "$conc" -n "$n" "$@" \
		    2>>"$dir/errors") || {
			skip "$cur" "$label" "failed: $(tail -n 1 "$dir/errors")"
			return 0
		}
		all="$all $(echo "$r" | awk -v n="$n" -v k="$k" \
		    '{ print n * k / ($5 / 1e6) }')"
		cpu=$(echo "$r" | awk -v c="$cpu" '{ print c + $6 + $7 }')
	done
	# The warm-up runs (CONC each try) reached rshd too.
	cpu_since "$id" $(((n + conc) * tries * k))
	med[${id}_cpu]=$(awk -v c="$cpu" -v n=$((n * tries * k)) \
	    'BEGIN { printf "%.0f", c / n }')
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
		Subsystem sftp internal-sftp
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
# Issue 19's floors: what rshd must start for `rsh HOST true` (the
# account's shell: rshd runs SHELL -c true, /bin/sh for an account
# without one), the least a calling process costs (/bin/true), and the
# crypto any client of protocol v1 does (bench/floor.c).
acct_shell=$(getent passwd "$me" | cut -d: -f7)
[ -n "$acct_shell" ] || acct_shell=/bin/sh
shell_name=${acct_shell##*/}
lat f_start "floor start: /bin/true" /bin/true
lat f_shell "floor shell: $shell_name -c true (account's shell)" \
    "$acct_shell" -c true
lat f_crypto "floor crypto: bench/floor-crypto" \
    "$floor_crypto"
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
	if [ "$conc" = 8 ]; then
		# Issue 19's floors of commands per second: each run one
		# process doing the crypto (or nothing) that spawns the
		# account's shell, as rsh and rshd together must.
		cps f_cs8 "floor crypto + shell: floor-crypto $shell_name" \
		    8 "$cmds" "$floor_crypto" "$acct_shell" -c true
		cps f_ss8 "floor start + shell: floor-spawn $shell_name" \
		    8 "$cmds" "$floor_spawn" "$acct_shell" -c true
	fi
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
# per_conn LABEL PID N: the growth of PID's tree since the last snapshot
# (rss0, pss0), per connection, as two rows.
per_conn() {
	local rss pss
	rss=$(lib_tree_kib "$2" Rss)
	pss=$(lib_tree_kib "$2" Pss)
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
rss_before=$(lib_tree_kib "$rshd_pid" Rss)
if "$timeit" -w 0 -c 8 -n "$many" "${rshc[@]}" "$host" true \
    >/dev/null 2>>"$dir/errors"; then
	rss_after=$(lib_tree_kib "$rshd_pid" Rss)
	med[growth]=$((rss_after - rss_before))
	row "$cur" "rshd RSS after $many commands ($rss_before -> $rss_after KiB)" \
	    "${med[growth]}" - - "KiB more"
else
	skip "$cur" "rshd RSS after $many commands" \
	    "failed: $(tail -n 1 "$dir/errors")"
fi

rss0=$(lib_tree_kib "$rshd_pid" Rss)
pss0=$(lib_tree_kib "$rshd_pid" Pss)
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
# Idle: a second after its last request, past rshd's PARK_AFTER_MS.
sleep 1
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
rss_closed=$(lib_tree_kib "$rshd_pid" Rss)
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
	rss0=$(lib_tree_kib "$dpid" Rss)
	pss0=$(lib_tree_kib "$dpid" Pss)
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
# target, in ms over TRIES runs (after one untimed run when TRIES > 1),
# each after fan_setup (a sh command line, untimed) when that is set.
fan() {
	local id=$1 label=$2 n=$3 r
	shift 3
	r=$("$timeit" -w $((n > 1 ? 1 : 0)) -n "$n" \
	    ${fan_setup:+-s "$fan_setup"} "$@" 2>>"$dir/errors") || {
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
# The floors again, beside the master's figures.
lat m_fstart "floor start: /bin/true" /bin/true
lat m_fshell "floor shell: $shell_name -c true" "$acct_shell" -c true
lat m_start "rsh -V (rsh's own start, nothing remote)" "$rsh" -V
lat m_direct "rsh, direct" "${rshc[@]}" "$host" true
if "${rshc[@]}" -M "$host" 2>>"$dir/errors"; then
	# No child of ours: the master went to the background itself.
	master_pid=$(cat "$XDG_RUNTIME_DIR"/rsh/*.pid 2>/dev/null || true)
	[ -z "$master_pid" ] || lib_track "$master_pid"
	mc0=$(pid_cpu "${master_pid:-0}")
	lat m_master "rsh, through a master" "${rshc[@]}" "$host" true
	# The master's CPU per call (its warm-up run included).
	med[m_master_mcpu]=$((($(pid_cpu "${master_pid:-0}") - mc0) / (runs + 1)))
	mc0=$(pid_cpu "${master_pid:-0}")
	cps m_master8 "through a master, 8 at a time ($cmds runs)" 8 \
	    "$cmds" "${rshc[@]}" "$host" true
	med[m_master8_mcpu]=$((($(pid_cpu "${master_pid:-0}") - mc0) /
	    ((cmds + 8) * tries)))
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

# --- 10. CPU per command ---------------------------------------------------
# rshd's own CPU per command in line mode (no client process per command:
# what rshd itself costs), and where the CPU of sections 1, 4 and 8 went,
# per command: the figures that say what bounds a target below.
cur="10. CPU per command: rshd's own, and each caller's (ms)"
section "$cur"
# cpurow LABEL KEY: med[KEY] (microseconds) as a row in ms, when measured.
cpurow() {
	if have "$2"; then
		row "$cur" "$1" "$(ms "${med[$2]}")" - - ms
	fi
}
nline=$((cmds > 1000 ? cmds : 1000))
yes /bin/true | head -n "$nline" >"$dir/truelines"
cpu_mark
if "${rshc[@]}" --line-mode "$host" <"$dir/truelines" >/dev/null \
    2>>"$dir/errors"; then
	cpu_since line "$nline"
	cpurow "rshd's own, line mode ($nline x /bin/true, one connection)" \
	    line_rshd
	cpurow "  the privileged part" line_priv
	cpurow "  the network part" line_net
	cpurow "  user time (both parts)" line_user
	cpurow "  system time (both parts)" line_sys
	cpurow "  the command it ran ($shell_name -c /bin/true)" line_cmds
else
	skip "$cur" "rshd, line mode" "failed: $(tail -n 1 "$dir/errors")"
fi
cpurow "/bin/true itself (section 1)" f_start_cpu
cpurow "direct (section 1): the calling rsh" rsh_cpu
cpurow "  floor-crypto, for scale" f_crypto_cpu
cpurow "  rshd's own" rsh_rshd
cpurow "  the shell under rshd ($shell_name -c true)" rsh_cmds
cpurow "  the same shell run locally" f_shell_cpu
cpurow "through a master (section 8): the calling rsh" m_master_cpu
cpurow "  rsh -V, for scale" m_start_cpu
cpurow "  the master" m_master_mcpu
cpurow "  rshd's own" m_master_rshd
cpurow "  the shell under rshd" m_master_cmds
cpurow "8 at a time, direct (section 4): the calling rsh" rsh8_cpu
cpurow "  rshd's own" rsh8_rshd
cpurow "  the shell under rshd" rsh8_cmds
cpurow "  floor-crypto $shell_name -c true, for scale" f_cs8_cpu
cpurow "8 at a time, through a master (section 8): the calling rsh" \
    m_master8_cpu
cpurow "  the master" m_master8_mcpu
cpurow "  rshd's own" m_master8_rshd
cpurow "  the shell under rshd" m_master8_cmds
cpurow "  floor-spawn $shell_name -c true, for scale" f_ss8_cpu

# --- 11. Copying files -----------------------------------------------------
# shellcheck source=bench/rcp.sh
. "$here/rcp.sh"

# --- Targets ---------------------------------------------------------------
# Each row of dir/targets: label, measured, floor, goal, pass or miss,
# and for a miss what bounds it (from this run's figures).
: >"$dir/targets"
tgt() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" \
	    >>"$dir/targets"
}
# target LABEL VALUE GOAL OK: a row without a floor.
target() { tgt "$1" "$2" - "$3" "$4"; }
verdict() { calc "print ($1) ? \"pass\" : \"miss\""; }
# m KEY: med[KEY], or 0 when not measured (for the bounds' arithmetic).
m() { echo "${med[$1]:-0}"; }
ncores=$(nproc)
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

# Issue 19's table: each figure against the floors that bind it.
lbl="rsh HOST true, direct"
if have rsh f_crypto f_shell; then
	fl=$((med[f_crypto] + med[f_shell]))
	ok=$(verdict "${med[rsh]} <= $fl + 1000")
	# The gap, split by who spent CPU on it; what is left is time no
	# one of them ran: round trips, wakeups, scheduling.
	bound=$(calc "g = ($(m rsh) - $fl) / 1000
	    c = ($(m rsh_cpu) - $(m f_crypto_cpu)) / 1000
	    d = $(m rsh_rshd) / 1000; s = ($(m rsh_cmds) - $(m f_shell_cpu)) / 1000
	    printf \"%.2f ms over crypto + shell: the calling rsh's CPU %.2f ms beyond floor-crypto's, rshd's own CPU %.2f ms, the shell's under rshd %.2f ms beyond its local run; the rest, %.2f ms, is time none of the three ran (round trips, wakeups; below zero when their work overlapped)\", g, c, d, s, g - c - d - s")
	tgt "$lbl" "$(ms "${med[rsh]}") ms" \
	    "crypto $(ms "${med[f_crypto]}") + shell $(ms "${med[f_shell]}") = $(ms "$fl") ms" \
	    "<= floor + 1.0 ms = $(ms $((fl + 1000))) ms" "$ok" "$bound"
else
	tgt "$lbl" "not measured" "crypto + shell" "<= floor + 1.0 ms" -
fi

lbl="rsh HOST true, through a master"
if have m_master m_fstart m_fshell; then
	fl=$((med[m_fstart] + med[m_fshell]))
	ok=$(verdict "${med[m_master]} <= $fl + 500")
	# rsh's start (rsh -V against /bin/true), then the call itself.
	bound=$(calc "g = ($(m m_master) - $fl) / 1000
	    st = ($(m m_start) - $(m m_fstart)) / 1000
	    c = ($(m m_master_cpu) - $(m m_start_cpu)) / 1000
	    mc = $(m m_master_mcpu) / 1000; d = $(m m_master_rshd) / 1000
	    s = ($(m m_master_cmds) - $(m m_fshell_cpu)) / 1000
	    printf \"%.2f ms over start + shell: rsh's start %.2f ms (rsh -V %.2f against /bin/true %.2f); the call %.2f ms: the calling rsh's CPU %.2f ms beyond rsh -V's, the master's %.2f, rshd's own %.2f, the shell's under rshd %.2f beyond its local run, and %.2f ms when none of them ran (the round trips caller, master, rshd and back, wakeups; below zero when their work overlapped)\", g, st, $(m m_start) / 1000, $(m m_fstart) / 1000, g - st, c, mc, d, s, g - st - c - mc - d - s")
	tgt "$lbl" "$(ms "${med[m_master]}") ms" \
	    "start $(ms "${med[m_fstart]}") + shell $(ms "${med[m_fshell]}") = $(ms "$fl") ms" \
	    "<= floor + 0.5 ms = $(ms $((fl + 500))) ms" "$ok" "$bound"
else
	tgt "$lbl" "not measured" "start + shell" "<= floor + 0.5 ms" -
fi

# rate_target LABEL ID FLOOR_ID FLOOR_TEXT MASTER_KEY: commands per
# second 8 at a time against FLOOR's, at least 90%; a miss is bounded by
# the CPU per command on this many cores.
rate_target() {
	local v ok bound
	if ! have "$2" "$3"; then
		tgt "$1" "not measured" "$4" ">= 90% of the floor's rate" -
		return 0
	fi
	v=$(calc "printf \"%.0f\", 100 * ${med[$2]} / ${med[$3]}")
	ok=$(verdict "$v >= 90")
	bound=$(calc "c = $(m "$2_cpu") / 1000; mc = $(m "$5") / 1000
	    d = $(m "$2_rshd") / 1000; s = $(m "$2_cmds") / 1000
	    t = c + mc + d + s; f = $(m "$3_cpu") / 1000
	    printf \"CPU per command %.2f ms (the calling rsh %.2f, the master %.2f, rshd's own %.2f, the shell under rshd %.2f): at most %.0f/s on %d cores; the floor's %.2f ms, at most %.0f/s\", t, c, mc, d, s, (t > 0 ? 1000 * $ncores / t : 0), $ncores, f, (f > 0 ? 1000 * $ncores / f : 0)")
	tgt "$1" "${med[$2]}/s = $v%" "$4 ${med[$3]}/s" \
	    ">= 90% of the floor's rate" "$ok" "$bound"
}
rate_target "8 callers at once, direct" rsh8 f_cs8 "crypto + shell" none
rate_target "8 callers at once, through a master" m_master8 f_ss8 \
    "start + shell" m_master8_mcpu

# stream_target LABEL DIR GOAL%: rsh's throughput against socat's; a miss
# is bounded by the busier process (a core each at most).
stream_target() {
	local v ok bound
	if ! have "$2_rsh" "$2_socat"; then
		tgt "$1" "not measured" "socat" ">= $3% of socat" -
		return 0
	fi
	v=$(calc "printf \"%.0f\", 100 * ${med[$2_rsh]} / ${med[$2_socat]}")
	ok=$(verdict "$v >= $3")
	bound=$(calc "w = $(m "$2_rsh_wall")
	    printf \"in the median run's %.2f s, the client side (rsh and what feeds or drains it) used %.0f%% of a core, rshd %.0f%% (the privileged part %.0f%%, the network part %.0f%%), the command %.0f%% (a side near 100%% bounds it; else waiting: flow control, wakeups, other load)\", w / 1e6, 100 * $(m "$2_rsh_cpu") / w, 100 * $(m "$2_rsh_rshd") / w, 100 * $(m "$2_rsh_priv") / w, 100 * $(m "$2_rsh_net") / w, 100 * $(m "$2_rsh_cmds") / w")
	tgt "$1" "$(calc "printf \"%.0f\", ${med[$2_rsh]}") MB/s = $v%" \
	    "socat $(calc "printf \"%.0f\", ${med[$2_socat]}") MB/s" \
	    ">= $3% of socat" "$ok" "$bound"
}
stream_target "stdout, $(calc "printf \"%g\", $size / 1048576") MiB" out 100
stream_target "stdin, $(calc "printf \"%g\", $insize / 1048576") MiB" in 80

# ssh_target LABEL KEY N: ssh through its ControlMaster against KEY, at
# least N times slower.
ssh_target() {
	local v ok
	if ! have sshcm "$2"; then
		tgt "$1" "not measured" "ssh's ControlMaster" ">= ${3}x faster" -
		return 0
	fi
	v=$(calc "printf \"%.2f\", ${med[sshcm]} / ${med[$2]}")
	ok=$(verdict "$v >= $3")
	tgt "$1" "$(ms "${med[$2]}") ms = ${v}x faster" \
	    "ssh's ControlMaster $(ms "${med[sshcm]}") ms" ">= ${3}x faster" \
	    "$ok" "rsh would need $(calc "printf \"%.2f\", ${med[sshcm]} / $3 / 1000") ms or less: see its own row above for its gap to the floor"
}
ssh_target "through a master, against ssh's ControlMaster" m_master 2.5
ssh_target "direct, against ssh's ControlMaster" rsh 1.5

lbl="rshd's own CPU per command (line mode, /bin/true)"
if have line_rshd f_start_cpu; then
	v=$(calc "printf \"%.0f\", 100 * ${med[line_rshd]} / ${med[f_start_cpu]}")
	ok=$(verdict "$v <= 25")
	bound=$(calc "printf \"rshd's %.3f ms: user %.3f, system %.3f; the privileged part %.3f (starts, reaps, cgroups), the network part %.3f (records, crypto, the session)\", $(m line_rshd) / 1000, $(m line_user) / 1000, $(m line_sys) / 1000, $(m line_priv) / 1000, $(m line_net) / 1000")
	tgt "$lbl" "$(ms "${med[line_rshd]}") ms = $v%" \
	    "/bin/true's CPU $(ms "${med[f_start_cpu]}") ms" \
	    "<= 25% of /bin/true's CPU" "$ok" "$bound"
else
	tgt "$lbl" "not measured" "/bin/true's CPU" "<= 25% of /bin/true's CPU" -
fi

# Earlier issues' targets that still stand (8, 9 and 16).
# best_ssh DIR: the faster of the two ssh ciphers, in MB/s.
best_ssh() {
	calc "a = ${med[$1_sshgcm]:-0}; b = ${med[$1_ssh]:-0};
	    print (a > b ? a : b)"
}
for d in out in; do
	name=stdout want=1.5
	[ "$d" = out ] || name=stdin
	if have "${d}_rsh" && { have "${d}_sshgcm" || have "${d}_ssh"; }; then
		v=$(calc "printf \"%.2f\", ${med[${d}_rsh]} / $(best_ssh "$d")")
		target "$name: rsh vs OpenSSH's fastest cipher" "${v}x" \
		    ">= ${want}x" "$(verdict "$v >= $want")"
	else
		target "$name: rsh vs OpenSSH's fastest cipher" "not measured" \
		    ">= ${want}x" -
	fi
done
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

if have herd_lost3; then
	target "1,000 clients released together, --retry 3: lost" \
	    "${med[herd_lost3]}" "0" "$(verdict "${med[herd_lost3]} == 0")"
else
	target "1,000 clients released together, --retry 3: lost" \
	    "not measured" "0" -
fi

rcp_targets

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
	printf '\nTargets (issue 19 against its floors, then issues 8, 9, 16 and 20)\n'
	printf '  %-50s %-24s %-42s %-30s %s\n' target measured floor goal ""
	while IFS=$'\t' read -r label m fl goal ok bound; do
		printf '  %-50s %-24s %-42s %-30s %s\n' "$label" "$m" "$fl" \
		    "$goal" "$ok"
	done <"$dir/targets"
	printf '\nWhat bounds each miss (measured in this run):\n'
	while IFS=$'\t' read -r label m fl goal ok bound; do
		[ "$ok" != miss ] || [ -z "$bound" ] ||
		    printf '  - %s: %s\n' "$label" "$bound" | fold -s -w 76 |
		    sed '2,$s/^/      /'
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
    RUNS CP_SIZE CP_FILES CP_FANSIZE CP_TARGETS CP_TRIES BENCH_QUICK; do
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
	echo "## Targets"
	echo
	echo "Issue 19's targets, each against the floors measured in this run"
	echo "(medians: section 1 for the direct path, section 8 beside the"
	echo "master, section 4 for 8 at a time, sections 2 and 3 for the"
	echo "streams, section 10 for CPU), then those of issues 8, 9 and 16"
	echo "that still stand, and issue 20's copying (section 11)."
	echo
	echo "| target | measured | floor | goal | |"
	echo "|---|---:|---|---|---|"
	while IFS=$'\t' read -r label m fl goal ok bound; do
		echo "| ${label//|/\\|} | $m | $fl | $goal | $ok |"
	done <"$dir/targets"
	echo
	echo "What bounds each miss, from this run's figures (section 10's CPU"
	echo "per command; what no process ran for is waiting):"
	echo
	while IFS=$'\t' read -r label m fl goal ok bound; do
		[ "$ok" != miss ] || [ -z "$bound" ] || echo "- **$label**: $bound."
	done <"$dir/targets"
	echo
	echo "The cost curve is drawn in [results.svg](results.svg)."
	echo
	echo "Analyses made by hand (profiles, instruction counts), which a run of"
	echo "\`make bench\` does not redo, are in [analysis.md](analysis.md)."
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
