# bench/rcp.sh: section 11 of bench/run.sh, which sources it after section
# 10 (no master running) with its helpers, its rshd, its private sshd
# and section 7's t1..tN configs in place.  rcp against the stream alone,
# scp, rsync and tar over ssh, and pdcp (or pdsh running scp) for many
# targets; then the memory of rcp and of rshd while copying, small against
# large.  rcp_targets adds the issue's rows to the targets table.
#
# Sizes (environment): CP_SIZE (the one file, bytes), CP_FILES (the tree's
# 1 KiB files), CP_FANSIZE and CP_TARGETS (the file to many), CP_TRIES
# (runs per row; the fan-out's slow peer runs once in a short run unless
# CP_TRIES is given).
# Everything lands under $dir/cp on this machine's /tmp (TMPDIR).
# shellcheck shell=bash disable=SC2154

if [ "$quick" = 1 ]; then
	cp_size=${CP_SIZE:-268435456} cp_files=${CP_FILES:-2000}
	cp_fansize=${CP_FANSIZE:-33554432} cp_targets=${CP_TARGETS:-20}
	cp_tries=${CP_TRIES:-1}
else
	cp_size=${CP_SIZE:-1073741824} cp_files=${CP_FILES:-10000}
	cp_fansize=${CP_FANSIZE:-104857600} cp_targets=${CP_TARGETS:-100}
	cp_tries=${CP_TRIES:-3}
fi
# The memory rows' small runs: a tenth of each.
cp_small=$((cp_size / 10)) cp_sfiles=$((cp_files / 10))
cp=$dir/cp
rcp=$build/rcp
rcpc=("$rcp" -q -k "$dir/key" -P "$rport")
mkdir -p "$cp/dst/rt" "$cp/dst/ft"
mib() { calc "printf \"%g\", $1 / 1048576"; }

# make_tree DIR N: N files of 1 KiB, 100 to a directory (bash's own
# printf: no process per file).
make_tree() {
	local i
	mkdir -p "$1"
	for ((i = 0; i < $2; i++)); do
		[ $((i % 100)) != 0 ] || mkdir "$1/d$((i / 100))"
		printf '%1024d' "$i" >"$1/d$((i / 100))/f$i"
	done
}
head -c "$cp_size" /dev/urandom >"$cp/big"
head -c "$cp_small" /dev/urandom >"$cp/small"
head -c "$cp_fansize" /dev/urandom >"$cp/fan"
make_tree "$cp/tree" "$cp_files"
make_tree "$cp/stree" "$cp_sfiles"

# ssh's options for scp, rsync and tar: section 7's config for t*, whose
# host key the first ssh recorded.
cp_ssh="ssh -F $dir/pdsh_ssh_config"
cp_have_ssh=0
if [ "$have_ssh" = 1 ] && [ -s "$dir/pdsh_ssh_config" ]; then
	cp_have_ssh=1
fi

cur="11. Copying files: rcp and its peers ($cp_tries runs)"
section "$cur"
if [ ! -x "$rcp" ]; then
	skip "$cur" "rcp" "$rcp is missing"
else
	# One file: MB/s.  The tools take turns, run by run (the first of
	# each turn moving on by one), as make bench-ab's two rshds do: this
	# VM's disk and CPU swing twofold within a minute, and tools timed
	# one after the other measured the swing.  Each run copies to a new
	# name: before it, untimed and for every tool alike, the last run's
	# copy is removed and all that was written is synced, so that no run
	# pays for the one before it (writing back its gigabyte, or freeing
	# it).  Then rcp and the stream again, each over its last copy:
	# rcp's new file and the old one are both whole until the rename,
	# where cat > f truncates the old one first.
	# turns SPEC...: each SPEC "ID|LABEL|SETUP|SH-COMMAND"; cp_tries
	# runs of each, taking turns; med[ID] and a row, in MB/s, as thru.
	turns() {
		local n=$# i j id label setup cmd t
		local specs=("$@")
		for ((i = 0; i < cp_tries; i++)); do
			for ((j = 0; j < n; j++)); do
				IFS='|' read -r id label setup cmd \
				    <<<"${specs[$(((i + j) % n))]}"
				if t=$("$timeit" -w 0 -n 1 -s "$setup" sh -c \
				    "$cmd" 2>>"$dir/errors"); then
					echo "$id ${t%% *}"
				else
					echo "$id failed"
				fi
			done
		done >"$cp/turns"
		for ((j = 0; j < n; j++)); do
			IFS='|' read -r id label setup cmd <<<"${specs[$j]}"
			if grep -q "^$id failed" "$cp/turns"; then
				skip "$cur" "$label" \
				    "failed: $(tail -n 1 "$dir/errors")"
				continue
			fi
			# The median (the upper one of an even count, as
			# timeit's), the slowest and the fastest run, in us.
			set -- $(awk -v id="$id" '$1 == id { print $2 }' \
			    "$cp/turns" | sort -n | awk '{ v[NR] = $1 }
			    END { print v[int(NR / 2) + 1], v[NR], v[1] }')
			med[$id]=$(calc "print $cp_size / $1")
			row "$cur" "$label" "$(calc "printf \"%.0f\", \
			    $cp_size / $1")" "$(calc "printf \"%.0f\", \
			    $cp_size / $2")" "$(calc "printf \"%.0f\", \
			    $cp_size / $3")" MB/s
		done
	}
	# fresh NAME: the setup that leaves no $cp/dst/NAME and nothing to
	# write back.
	fresh() { echo "rm -f $(q "$cp/dst/$1")&& sync"; }
	lbl="one $(mib "$cp_size") MiB file, to a new name"
	stream="$(q "${rshc[@]}" "$host" "cat > $(q "$cp/dst/stream")") < $(q "$cp/big")"
	rcpcmd="exec $(q "${rcpc[@]}" "$cp/big" "127.0.0.1:$cp/dst/rcp")"
	one=("cp_stream|$lbl: the stream alone, rsh HOST 'cat > f' < f|$(fresh stream)|$stream"
	    "cp_rcp|$lbl: rcp|$(fresh rcp)|$rcpcmd")
	if [ "$cp_have_ssh" = 0 ]; then
		skip "$cur" "$lbl: scp, rsync -e ssh" "left out: no private sshd"
	else
		one+=("cp_scp|$lbl: scp -c aes128-gcm@openssh.com|$(fresh scp)|exec $(q scp -q -F "$dir/pdsh_ssh_config" -c aes128-gcm@openssh.com "$cp/big" "t1:$cp/dst/scp")")
		# -W -I: the whole file, every run (no delta, no skipping the
		# copy already there), to a temporary name renamed into place
		# as rcp does.
		if command -v rsync >/dev/null; then
			one+=("cp_rsync|$lbl: rsync -W -I -e ssh|$(fresh rsync)|exec $(q rsync -W -I -e "$cp_ssh" "$cp/big" "t1:$cp/dst/rsync")")
		else
			skip "$cur" "$lbl: rsync -e ssh" \
			    "left out: no rsync (Debian rsync)"
		fi
	fi
	turns "${one[@]}"
	lbl="one $(mib "$cp_size") MiB file over the last copy"
	turns "cp_stream_over|$lbl: the stream (truncates it)|sync|$stream" \
	    "cp_rcp_over|$lbl: rcp (renames over it)|sync|$rcpcmd"
	rm -f "$cp/dst/stream" "$cp/dst/rcp" "$cp/dst/scp" "$cp/dst/rsync"

	# The tree: ms.  Each run copies into a new, empty directory (made
	# by mktemp inside the timing, for every tool alike): a copy of a
	# tree, not a replacement of one (over an old tree rcp replaces
	# each file by a new one renamed into place, where tar and scp
	# write into the old files).
	lbl="a tree of $cp_files files of 1 KiB, into a new directory"
	new="d=\$(mktemp -d -p $cp/dst/rt) &&"
	fan cp_trcp "$lbl: rcp -r" "$cp_tries" sh -c \
	    "$new exec $(q "${rcpc[@]}") -r $cp/tree 127.0.0.1:\$d/"
	if [ "$cp_have_ssh" = 0 ]; then
		skip "$cur" "$lbl: scp -r, tar | ssh tar x" \
		    "left out: no private sshd"
	else
		fan cp_tscp "$lbl: scp -r" "$cp_tries" sh -c \
		    "$new exec scp -q -r -F $dir/pdsh_ssh_config $cp/tree t1:\$d/"
		fan cp_ttar "$lbl: tar c | ssh tar x" "$cp_tries" sh -c \
		    "$new tar cf - -C $cp tree | $cp_ssh t1 \"tar xf - -C \$d\""
	fi
	rm -rf "$cp/dst/rt"

	# One file to many targets, fanout 32: ms for all.  t1..tN are one
	# host (loopback), so every copy lands on the same name, each
	# replacing the last.  Each run starts with nothing left to write
	# back (synced, untimed), as the one file's do.
	lbl="one $(mib "$cp_fansize") MiB file to $cp_targets targets"
	fan_setup=sync fan cp_frcp "$lbl: rcp -w -f 32" "$cp_tries" \
	    "$rcp" -q -F "$dir/rsh_config" -w "t[1-$cp_targets]" -f 32 \
	    "$cp/fan" "$cp/dst/ft/fan"
	# The slow peer runs once in a short run, unless CP_TRIES says.
	ftries=$cp_tries
	[ "$quick" = 0 ] || [ -n "${CP_TRIES:-}" ] || ftries=1
	if [ "$pdsh_ssh" = 0 ]; then
		skip "$cur" "$lbl: pdcp -R ssh" \
		    "left out: no private sshd, or no pdsh with its ssh module"
	elif pdcp -R ssh -w t1 "$cp/fan" "$cp/dst/ft/pd" 2>>"$dir/errors"
	then
		fan_setup=sync fan cp_fpd "$lbl: pdcp -R ssh -f 32" "$ftries" pdcp -R ssh \
		    -f 32 -w "t[1-$cp_targets]" "$cp/fan" "$cp/dst/ft/pd"
	else
		# pdcp's far end (pdcp itself, run by ssh) did not run: pdsh
		# runs scp, one per target, instead.
		fan_setup=sync fan cp_fpd "$lbl: pdsh -R exec -f 32 scp" "$ftries" \
		    pdsh -R exec -f 32 -w "t[1-$cp_targets]" scp -q \
		    -F "$dir/pdsh_ssh_config" "$cp/fan" "%h:$cp/dst/ft/pd"
	fi

	# Memory, copying a tenth and the whole: the largest RSS of rcp or
	# its rsh (getrusage, exact), and the peak RSS of a fresh rshd's
	# processes, each process's own peak summed: the VmHWM of rshd's two
	# parts, read once the copy is over, and the copy's rsh-copy as the
	# kernel counted it when it ended (its audit exit record's
	# maxrss_kib, getrusage of the reaped zombie).  Exact, where
	# sampling missed a short copy's rsh-copy.
	# hwm_kib PID: VmHWM summed over PID and its descendants, KiB.
	hwm_kib() {
		local p v sum=0
		for p in $(lib_tree_pids "$1"); do
			v=$(awk '$1 == "VmHWM:" { print $2 }' \
			    /proc/"$p"/status 2>/dev/null) || v=
			sum=$((sum + ${v:-0}))
		done
		echo "$sum"
	}
	# cmd_kib LOG: maxrss_kib summed over the exit records of LOG.
	cmd_kib() {
		python3 -c 'import json, sys
print(sum(json.loads(l).get("maxrss_kib", 0) for l in open(sys.argv[1])
    if json.loads(l)["event"] == "exit"))' "$1"
	}
	# peak_rss KEY SRC: med[KEY_rcp] and med[KEY_rshd], KiB.
	peak_rss() {
		local key=$1 m=$cp/mem/$1 pid rshd_pid n
		mkdir -p "$m/dst"
		"$build/rshd" -f none -D -l 127.0.0.1 -p 0 \
		    --port-file "$m/port" -k "$dir/keys" \
		    -o PermitRootCommands=yes -o "AuditLog=$m/audit.log" \
		    </dev/null >"$m/rshd.log" 2>&1 3>&- &
		rshd_pid=$!
		lib_track "$rshd_pid"
		if lib_wait_file "$m/port" "$rshd_pid" "$m/rshd.log" \
		    "rshd (memory)"; then
			"$timeit" -r -w 0 -n 1 "$rcp" -q -r -k "$dir/key" \
			    -P "$(cat "$m/port")" "$2" "127.0.0.1:$m/dst/" \
			    >"$m/out" 2>>"$dir/errors" &
			pid=$!
			# The exit record follows the client's end closely.
			n=0
			while [ "$n" -lt 250 ] && ! grep -qs '"event":"exit"' \
			    "$m/audit.log"; do
				n=$((n + 1))
				sleep 0.02
			done
			if wait "$pid" && [ "$n" -lt 250 ]; then
				set -- $(cat "$m/out")
				n=$(cmd_kib "$m/audit.log")
				med[${key}_rcp]=$8
				med[${key}_rshd]=$(($(hwm_kib "$rshd_pid") + n))
			fi
		fi
		kill -TERM "$rshd_pid" 2>/dev/null || true
		wait "$rshd_pid" 2>/dev/null || true
		lib_forget "$rshd_pid"
		rm -rf "$m"
	}
	peak_rss cp_ms "$cp/small"
	peak_rss cp_mb "$cp/big"
	peak_rss cp_mts "$cp/stree"
	peak_rss cp_mtb "$cp/tree"
	for k in cp_ms:"$(mib "$cp_small") MiB file" \
	    cp_mb:"$(mib "$cp_size") MiB file" \
	    cp_mts:"tree of $cp_sfiles files" \
	    cp_mtb:"tree of $cp_files files"; do
		if have "${k%%:*}_rcp"; then
			row "$cur" "peak RSS copying a ${k#*:}: rcp" \
			    "${med[${k%%:*}_rcp]}" - - KiB
			row "$cur" "peak RSS copying a ${k#*:}: rshd" \
			    "${med[${k%%:*}_rshd]}" - - KiB
		else
			skip "$cur" "peak RSS copying a ${k#*:}" \
			    "failed: $(tail -n 1 "$dir/errors")"
		fi
	done
fi
rm -rf "$cp"

# rcp_targets: issue 20's rows of the targets table.
rcp_targets() {
	local v lbl
	lbl="one $(mib "$cp_size") MiB file, to a new name: rcp vs the stream alone"
	if have cp_rcp cp_stream; then
		v=$(calc "printf \"%.0f\", 100 * ${med[cp_rcp]} / ${med[cp_stream]}")
		target "$lbl" "${v}%" ">= 90%" "$(verdict "$v >= 90")"
	else
		target "$lbl" "not measured" ">= 90%" -
	fi
	# Rates: the faster one's over the slower one's.
	for k in scp:"scp -c aes128-gcm" rsync:"rsync -e ssh"; do
		lbl="one $(mib "$cp_size") MiB file, to a new name: rcp vs ${k#*:}"
		if have cp_rcp "cp_${k%%:*}"; then
			v=$(calc "printf \"%.1f\", ${med[cp_rcp]} / ${med[cp_${k%%:*}]}")
			target "$lbl" "${v}x faster" ">= 1.5x" \
			    "$(verdict "$v >= 1.5")"
		else
			target "$lbl" "not measured" ">= 1.5x" -
		fi
	done
	faster_target "a tree of $cp_files files: rcp -r vs scp -r" \
	    cp_tscp cp_trcp 3
	faster_target "a tree of $cp_files files: rcp -r vs tar | ssh tar x" \
	    cp_ttar cp_trcp 2
	faster_target "one $(mib "$cp_fansize") MiB file to $cp_targets targets: rcp -w vs pdsh/pdcp" \
	    cp_fpd cp_frcp 5
	# Flat: copying ten times as much grows neither by more than 1 MiB.
	for k in rcp rshd; do
		for p in cp_ms:cp_mb:file cp_mts:cp_mtb:tree; do
			set -- ${p//:/ }
			lbl="$k's peak RSS, a $3 ten times larger"
			if have "${1}_$k" "${2}_$k"; then
				v=$((med[${2}_$k] - med[${1}_$k]))
				target "$lbl" "$v KiB more" "flat (<= 1024 KiB)" \
				    "$(verdict "$v <= 1024")"
			else
				target "$lbl" "not measured" "flat (<= 1024 KiB)" -
			fi
		done
	done
}
