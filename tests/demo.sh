#!/bin/sh
# demo.sh BUILD_DIR: what `make demo` runs.  Starts a throwaway rshd on
# 127.0.0.1 with a freshly generated key and runs a few commands through
# rsh, saying what each one shows.  Leaves nothing behind.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: sh tests/demo.sh BUILD_DIR" >&2
	exit 2
fi
lib_name=demo
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../bench/lib.sh"
lib_build "$1" rshd rsh
rsh=$build/rsh

lib_tmpdir rsh-demo
cleanup() {
	lib_stop_all
	rm -rf "$dir"
}
trap cleanup EXIT
lib_signals

say() {
	printf '\n== %s\n' "$*"
}

# show CMD...: prints the command line (quoted where needed), then runs it.
show() {
	printf '$'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@-]* | '') printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
	"$@"
}

say "1. A key: rsh --keygen prints one line for both ends"
lib_keys
echo "demo <32 random bytes in base64>  -> $dir/keys (server), $dir/key (client)"

say "2. A throwaway rshd on 127.0.0.1, on a free port, logging to a file"
# The demo key has no user= option: as root that needs PermitRootCommands
# (bench/lib.sh gives it).
lib_rshd --no-udp
pid=$rshd_pid
port=$rport
echo "rshd (pid $pid) listens on 127.0.0.1:$port"

r() {
	show rsh -k "$dir/key" "127.0.0.1:$port" "$@"
}
rsh() {
	"$rsh" "$@"
}

say "3. A command's output comes back on rsh's stdout"
r uname -a

say "4. By default the arguments run in the remote shell, like ssh"
r 'echo hello from $(hostname)'

say "5. The command's exit status becomes rsh's"
status=0
r 'exit 42' || status=$?
echo "rsh exited $status"

say "6. Standard input is forwarded: two lines go in, sorted they come back"
printf '%s\n' "\$ printf 'b\\na\\n' | rsh -k $dir/key 127.0.0.1:$port sort"
printf 'b\na\n' | "$rsh" -k "$dir/key" "127.0.0.1:$port" sort

say "7. stderr stays stderr: with 2>/dev/null here, only stdout shows"
printf '%s\n' "\$ rsh -k $dir/key 127.0.0.1:$port 'echo to stdout; echo to stderr >&2' 2>/dev/null"
"$rsh" -k "$dir/key" "127.0.0.1:$port" 'echo to stdout; echo to stderr >&2' \
    2>/dev/null

say "8. -x runs an argument vector with no shell: nothing is expanded"
show rsh -k "$dir/key" -x "127.0.0.1:$port" printf '[%s]\n' 'two words' \
    '$HOME' '*;|'

say "9. A wrong key is refused: rsh says so and exits 255"
"$rsh" --keygen demo >"$dir/wrong"
chmod 600 "$dir/wrong"
status=0
show rsh -k "$dir/wrong" "127.0.0.1:$port" true || status=$?
echo "rsh exited $status"

say "Done: rshd stopped, $dir removed"
