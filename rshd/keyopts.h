/*
 * keyopts: a server key's options, the text after its secret in the keys
 * file, authorized_keys style: comma-separated, a value that holds commas,
 * spaces or quotes double-quoted (\" and \\ inside).  A pure parser.
 *
 *   user="NAME[,NAME...]"  run as that account; with several, the
 *                          client picks one (rsh -l), the first by
 *                          default
 *   from="CIDR[,CIDR...]"  only from these networks (IPv4 and IPv6)
 *   command="..."          a forced command
 *   allow="PAT[|PAT...]"   the argument vector must match a pattern of
 *                          words (see allow.h); never a shell
 *   env="NAME[,NAME...]"   client variables accepted, beyond AcceptEnv
 *   no-udp, no-pty         no UDP requests, no pseudo-terminal
 *   no-new-privs           its commands can gain no privilege (setuid,
 *                          file capabilities: sudo fails)
 *   max-sessions=N         connections at once with this key
 *   name=NAME              only for clients asking for this server
 *                          name (read by lib/keys.c, accepted here)
 *   copy="DIR[,DIR...]"    rcp may copy to and from these trees (and a
 *                          key with command= or allow= only there)
 *   no-copy                no rcp at all
 */
#ifndef RSHD_KEYOPTS_H
#define RSHD_KEYOPTS_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "allow.h"

#define KEYOPTS_MAXLIST	64	/* networks, globs or names in one option */

struct keyopts_net {
	int	family;		/* AF_INET or AF_INET6 */
	uint8_t	addr[16];
	int	bits;
};

struct keyopts {
	char			**users;	/* nusers accounts, the first
						 * the default */
	size_t			 nusers;	/* 0: not given */
	struct keyopts_net	*from;
	size_t			 nfrom;		/* 0: any address */
	char			*command;	/* NULL: none forced */
	struct allow_pattern	*allow;
	size_t			 nallow;	/* 0: anything */
	char			**env;
	size_t			 nenv;
	int			 no_udp;	/* also implied by from= */
	int			 no_pty;
	int			 no_new_privs;	/* PR_SET_NO_NEW_PRIVS */
	int			 max_sessions;	/* 0: no limit */
	char			**copy;		/* copy= roots, absolute */
	size_t			 ncopy;		/* 0: not given */
	int			 no_copy;
};

/*
 * Parses text (NULL or empty: no options) into *o.  A trailing comment
 * ("# ..." after blanks) is allowed.  0, or -1 with a sentence naming the
 * option in err and *o empty.  The caller frees *o with keyopts_free().
 */
int	keyopts_parse(const char *text, struct keyopts *o, char *err,
	    size_t errlen);

void	keyopts_free(struct keyopts *o);

/* 1 when o allows a client at peer (always without from=), else 0.
 * IPv4-mapped IPv6 peers match IPv4 networks. */
int	keyopts_from_ok(const struct keyopts *o,
	    const struct sockaddr_storage *peer);

/* 1 when o allows the argument vector argv, argc words, to be executed
 * (always without allow=). */
int	keyopts_allow_ok(const struct keyopts *o, char *const *argv,
	    size_t argc);

/* 1 when o's env= names name (namelen bytes). */
int	keyopts_env_ok(const struct keyopts *o, const char *name,
	    size_t namelen);

/*
 * 1 for a variable name (len bytes) no client may ever set: those the
 * protocol forbids (LD_*, DYLD_*, BASH_ENV, ENV, BASH_FUNC_*, IFS, PATH,
 * SHELLOPTS, PS4), those rshd sets from the account (HOME, USER, LOGNAME,
 * SHELL), its own (RSH_*), and those that change how a program loads or
 * where it looks (GCONV_PATH, GLIBC_TUNABLES, BASHOPTS, CDPATH, PYTHON*,
 * PERL5*, RUBY*, NODE_OPTIONS, GIT_* and more: see the list in
 * keyopts.c, and rshd.conf(5)).
 */
int	keyopts_env_forbidden(const char *name, size_t len);

#endif
