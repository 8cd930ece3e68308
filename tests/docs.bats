#!/usr/bin/env bats
# The man pages: each renders without a warning (man and groff; mandoc's
# lint where it is installed), and rsh_config(5) names every keyword the
# client's configuration takes.

bats_require_minimum_version 1.5.0
load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# pages: every man page of the tree (at least the four).
pages() {
	local f
	for f in "$REPO"/docs/*.[1-8]; do
		[ -f "$f" ] && echo "$f"
	done
}

@test "there are the five man pages" {
	run -0 pages
	assert_line "$REPO/docs/rcp.1"
	assert_line "$REPO/docs/rsh.1"
	assert_line "$REPO/docs/rsh_config.5"
	assert_line "$REPO/docs/rshd.8"
	assert_line "$REPO/docs/rshd.conf.5"
}

@test "every man page renders through man without a warning" {
	command -v man >/dev/null || skip "man is not installed"
	local f
	for f in $(pages); do
		LC_ALL=C.UTF-8 MANROFFSEQ='' run -0 --separate-stderr \
		    man --warnings -E UTF-8 -l -Tutf8 -Z "$f"
		[ -z "$stderr" ] || fail "man warns on ${f##*/}: $stderr"
		[ -n "$output" ] || fail "man rendered nothing for ${f##*/}"
	done
}

@test "every man page passes groff -ww without a warning" {
	command -v groff >/dev/null || skip "groff is not installed"
	local f
	for f in $(pages); do
		run -0 groff -mandoc -ww -z "$f"
		[ -z "$output" ] || fail "groff warns on ${f##*/}: $output"
	done
}

@test "every man page passes mandoc -T lint without a warning" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	local f
	for f in $(pages); do
		# -W warning: warnings and errors; STYLE notes (such as a
		# cross-reference to a page this machine lacks) are not.
		run mandoc -T lint -W warning "$f"
		[ "$status" -eq 0 ] && [ -z "$output" ] ||
		    fail "mandoc on ${f##*/} (status $status): $output"
	done
}

@test "rsh_config(5) describes every keyword rsh/config.c takes" {
	local kw n=0
	for kw in $(grep -oE 'strcasecmp\(kw, "[A-Za-z]+"\)' \
	    "$REPO/rsh/config.c" | grep -oE '"[A-Za-z]+"' | tr -d '"' |
	    sort -u); do
		# Host starts a block; it is described in the text.
		[ "$kw" != Host ] || continue
		grep -qE "^\.It Cm $kw( |\$)" "$REPO/docs/rsh_config.5" ||
		    fail "rsh_config(5) has no entry for $kw"
		n=$((n + 1))
	done
	[ "$n" -ge 8 ]
}
