# bash completion for rsh(1) and rshd(8).
#
# Installed as completions/rsh, with links for rshd and rsh.psk (the
# package's name for the client beside Debian's BSD rsh).  Hosts come from
# the Host lines of the client configuration (patterns left out); -o and
# -O complete their keywords and verbs.

# Host names from the client configuration: the words of its Host lines
# that are not patterns.
_rsh_config_hosts()
{
	local file=$HOME/.config/rsh/config i
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		if [ "${words[i]}" = -F ]; then
			file=${words[i + 1]}
		fi
	done
	[ -r "$file" ] || return 0
	awk 'tolower($1) == "host" {
		for (i = 2; i <= NF; i++)
			if ($i !~ /[*?!]/)
				print $i
	}' "$file" 2>/dev/null
}

_rsh()
{
	local cur prev words cword
	_init_completion -n : || return

	case $prev in
	-d)
		return
		;;
	-F | -k)
		_filedir
		return
		;;
	-o)
		if [[ " ${words[*]} " == *" --keygen "* ]]; then
			_filedir
		else
			COMPREPLY=($(compgen -S = -W 'ConnectTimeout AliveInterval
			    AliveCount ControlPath ControlPersist HostName Key Port
			    ServerName User' -- "$cur"))
			compopt -o nospace
		fi
		return
		;;
	-O)
		COMPREPLY=($(compgen -W 'check exit' -- "$cur"))
		return
		;;
	-e | -f | -l | -m | --max-time | -p | --connect-timeout | \
	    --max-reply | --retry | --keygen)
		return
		;;
	-w | -X | --exclude)
		COMPREPLY=($(compgen -W "$(_rsh_config_hosts)" -- "$cur"))
		return
		;;
	esac

	# The first word that is not an option is the host; after it, the
	# remote command, which completes as a command name.
	local i host=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-d | -e | -F | -f | -k | -l | -m | --max-time | -o | -O | -p | \
		    --connect-timeout | --max-reply | --retry | --keygen | \
		    -w | -X | --exclude)
			((i++))
			;;
		-*) ;;
		*)
			host=${words[i]}
			break
			;;
		esac
	done
	if [ -n "$host" ]; then
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-b -d -e -f -F -h -k -l -m -M -n -O -o
		    -p -q -T -t -u -V -v -w -X -x --connect-timeout --exclude --line-mode
		    --derive --fleet --help --json --keygen --max-reply --max-time
		    --retry --version' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$(_rsh_config_hosts)" -- "$cur"))
	__ltrim_colon_completions "$cur"
} && complete -F _rsh rsh rsh.psk

_rshd()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	-f | -k | --pid-file | --port-file)
		_filedir
		return
		;;
	-o)
		COMPREPLY=($(compgen -S = -W 'AcceptEnv AuditLog AuditRequired
		    AuthPenalty AuthTimeout CommandCgroups DrainGrace
		    IdleTimeout KeysFile KillGrace LimitAS LimitCPU LimitNOFILE
		    LimitNPROC ListenAddress ListenBacklog MaxAuthFailures
		    MaxCommandTime MaxConnections MaxUnauthenticated
		    MaxUnauthenticatedPerSource NetworkAccount Path PermitPTY
		    PermitRootCommands PidFile Port ServerName ShutdownGrace
		    StdinWindow TCPKeepAlive UDP UdpClockWindow UdpMaxReply
		    UdpQueue UdpReplayEntries UdpReplayMemory UdpReplayPerKey
		    UdpWorkers' -- "$cur"))
		compopt -o nospace
		return
		;;
	-l | -p)
		return
		;;
	esac
	COMPREPLY=($(compgen -W '-D -d -f -h -i -k -l -o -p -t -V --help
	    --no-udp --pid-file --port-file --version' -- "$cur"))
} && complete -F _rshd rshd
