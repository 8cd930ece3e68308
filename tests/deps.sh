#!/bin/sh
# deps.sh WHAT PACKAGE...: makes sure these Debian packages are installed.
# As root it installs what is missing with apt-get; otherwise it stops and
# prints the exact command to run.  Nothing is fetched from anywhere else.
set -eu
what=$1
shift
if ! command -v dpkg-query >/dev/null 2>&1; then
	# Not Debian: the names below are Debian's; say what is wanted and go
	# on, so that a machine which has the tools under other names works.
	echo "rsh: not a Debian system; to $what, install the equivalents" \
	    "of:" "$@" >&2
	exit 0
fi
missing=
for p in "$@"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "rsh: missing Debian packages to $what:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "rsh: installing Debian packages to $what:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An empty package list on a fresh machine: update once, then install.
apt-get install -y -q $missing >/dev/null 2>&1 || {
	apt-get update -q >/dev/null
	apt-get install -y -q $missing
}
