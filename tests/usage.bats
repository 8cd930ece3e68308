#!/usr/bin/env bats
# -h is the short reference: every option the man page lists is there,
# each with a line that says what it does.

bats_require_minimum_version 1.5.0
load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# man_options PAGE: the options PAGE's option list names (.It Fl X).
man_options() {
	awk '$1 == ".It" && $2 == "Fl" { print "-" $3 }' "$REPO/docs/$1"
}

# assert_described HELP OPT: OPT starts an entry of HELP (a line, or the
# part after ';  '), followed by a description on the same line.
assert_described() {
	grep -qE -- "(^  |;  )(-[-a-zA-Z]+, )?$2[ ,].*[a-z]{3}" <<<"$1" || {
		echo "-h does not describe $2" >&2
		return 1
	}
}

# assert_help_covers PROGRAM PAGE MIN: PROGRAM -h describes every option
# PAGE lists, and PAGE lists at least MIN (the check must see something).
assert_help_covers() {
	local opt n=0
	run -0 "$1" -h
	for opt in $(man_options "$2"); do
		assert_described "$output" "$opt"
		n=$((n + 1))
	done
	[ "$n" -ge "$3" ]
}

@test "rshd -h describes every option of rshd(8)" {
	assert_help_covers "$RSHD" rshd.8 14
}

@test "rsh -h describes every option of rsh(1)" {
	assert_help_covers "$RSH" rsh.1 20
}

@test "a wrong option gets the usage on stderr and exit 1, -h on stdout and 0" {
	run -1 --separate-stderr "$RSHD" --no-such-option
	assert_output ""
	[[ $stderr == *"usage: rshd"* ]]
	run -0 --separate-stderr "$RSHD" -h
	assert_output --partial "usage: rshd"
	[ -z "$stderr" ]
}
