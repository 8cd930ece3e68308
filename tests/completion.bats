#!/usr/bin/env bats
# Bash completion (contrib/completion/rsh.bash): rsh's options, hosts from
# the client configuration, -o keywords and -O verbs; rshd's options and
# -o keywords.  The keyword lists are checked against the man pages, so a
# setting added to one and not the other fails here.

bats_require_minimum_version 1.5.0
load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
COMPLETION=$REPO/contrib/completion/rsh.bash
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

setup() {
	[ -r "$BASH_COMPLETION" ] ||
		skip "bash-completion is not installed (make deps)"
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME/.config/rsh"
	cat >"$HOME/.config/rsh/config" <<-'CONF'
		Port 2222
		Host web1 web2 db-*
		  Port 2200
		host backup.example.org !web1
		  Key ~/.config/rsh/backup.key
	CONF
}

# complete_line LINE: what bash completes for the last word of LINE (one
# candidate a line, sorted), as a user pressing TAB after LINE gets it.
complete_line() {
	bash --norc --noprofile -c '
		source "$1"; source "$2"
		# Only a real completion may call compopt; its effect
		# (no space after "=") is not what is tested here.
		compopt() { :; }
		line=$3
		read -ra COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		fn=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' complete "$BASH_COMPLETION" "$COMPLETION" "$1"
}

@test "rsh completes host names from the client configuration, not its patterns" {
	run -0 complete_line "rsh "
	assert_output "$(printf '%s\n' backup.example.org web1 web2)"
	run -0 complete_line "rsh -x we"
	assert_output "$(printf '%s\n' web1 web2)"
}

@test "rsh reads the hosts of the file given with -F" {
	printf 'Host other1\n' >"$BATS_TEST_TMPDIR/conf"
	run -0 complete_line "rsh -F $BATS_TEST_TMPDIR/conf "
	assert_output other1
}

@test "rsh completes its options, and nothing after the host" {
	run -0 complete_line "rsh --js"
	assert_output --json
	run -0 complete_line "rsh -"
	assert_line -- -x
	assert_line -- --retry
	run -0 complete_line "rsh web1 -"
	assert_output ""
}

@test "rsh -O completes the master's verbs" {
	run -0 complete_line "rsh -O "
	assert_output "$(printf '%s\n' check exit)"
}

@test "rsh -o completes every keyword of rsh_config(5)" {
	local want
	want=$(awk '$1 == ".It" && $2 == "Cm" { print $3 "=" }' \
	    "$REPO/docs/rsh_config.5" | sort -u)
	[ -n "$want" ]
	run -0 complete_line "rsh -o "
	assert_output "$want"
}

@test "rshd -o completes every keyword of rshd.conf(5)" {
	local want
	# The settings, not the keys file's options (lower case).
	want=$(awk '$1 == ".It" && $2 == "Cm" && $3 ~ /^[A-Z]/ { print $3 "=" }' \
	    "$REPO/docs/rshd.conf.5" | sort -u)
	[ -n "$want" ]
	run -0 complete_line "rshd -o "
	assert_output "$want"
}

@test "rshd completes every option its -h describes" {
	local opt
	run -0 complete_line "rshd -"
	for opt in $("$RSHD" -h | grep -oE '^  (-[A-Za-z]|--[a-z-]+)'); do
		assert_line -- "$opt"
	done
}

@test "the package's client name rsh.psk completes like rsh" {
	run -0 complete_line "rsh.psk -O "
	assert_output "$(printf '%s\n' check exit)"
}

@test "make install puts the completion where bash-completion looks, uninstall removes it" {
	local dest=$BATS_TEST_TMPDIR/dest san=0 d
	[[ $(basename "$RSH_BUILD") == *asan* ]] && san=1
	d=$dest/usr/local/share/bash-completion/completions
	run -0 make -C "$REPO" --no-print-directory SANITIZE=$san \
	    BUILD="$RSH_BUILD" DESTDIR="$dest" install
	[ -f "$d/rsh" ]
	[ "$(readlink "$d/rshd")" = rsh ]
	run -0 make -C "$REPO" --no-print-directory SANITIZE=$san \
	    BUILD="$RSH_BUILD" DESTDIR="$dest" uninstall
	[ ! -e "$d/rsh" ] && [ ! -e "$d/rshd" ]
}
