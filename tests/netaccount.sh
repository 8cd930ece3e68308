#!/bin/sh
# netaccount.sh: as root, makes the account rshd's network part runs as
# (_rshd, NetworkAccount in rshd.conf(5)) when it is missing, as the
# Debian package does; rshd started as root refuses to run without it.
# Not root: nothing to do (rshd then has no privilege to drop).
set -eu
[ "$(id -u)" -eq 0 ] || exit 0
getent passwd _rshd >/dev/null && exit 0
if command -v adduser >/dev/null 2>&1; then
	adduser --quiet --system --group --no-create-home \
	    --home /nonexistent _rshd
else
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin _rshd
fi 2>/dev/null || getent passwd _rshd >/dev/null	# made meanwhile
echo "rsh: made the system account _rshd for rshd's network part" >&2
