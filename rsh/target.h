/*
 * target: where a command goes and how, worked out from every source in
 * order of precedence (rsh_config.5): the command line (HOST:PORT, -p,
 * -k, -l, --connect-timeout), then -o, then the environment (RSH_PORT,
 * RSH_KEY), then the config file, then the defaults.  The first value
 * found for a setting wins.
 */
#ifndef RSH_TARGET_H
#define RSH_TARGET_H

#include <stdint.h>

#include "keys.h"
#include "netio.h"
#include "wire.h"

#include "opts.h"

#define TARGET_PORT		2222
#define TARGET_CONNECT_MS	10000
#define TARGET_ALIVE_MS		15000
#define TARGET_ALIVE_COUNT	3

struct target {
	char		host[NETIO_NAMEMAX];	/* as typed: messages, Host */
	char		port[8];
	char		connect[NETIO_NAMEMAX];	/* HostName, or host */
	char		name[NETIO_NAMEMAX];	/* the server name */
	char		display[NETIO_NAMEMAX + 40];	/* "host:port" */
	char		keypath[4096];
	char		account[WIRE_ACCOUNTMAX + 1];	/* -l, User; "":
						 * the key's default */
	uint32_t	connect_ms;
	uint32_t	alive_ms;		/* 0: no PING */
	int		alive_count;
	int		persist;	/* ControlPersist: 1 yes or a time,
					 * 0 no or not set */
	uint32_t	persist_ms;	/* idle time; 0: no limit */
	char		control[4096];	/* ControlPath as given; "": the
					 * default; "none": no master */
};

/*
 * Fills t for arg ("host", "host:port", "[v6]:port") and o.  Returns 0,
 * or -1 after saying on stderr what is wrong.
 */
int	target_resolve(struct target *t, const char *arg, const struct opts *o);

/* The account to ask for (ACCOUNT), or NULL: none was chosen, and the
 * request stays plain v1. */
const char	*target_account(const struct target *t);

/*
 * The key for t, from the key file t->keypath loaded as keys: every
 * connection's key is picked here.  The first line matching t's server
 * name, copied into *out; a fleet line gives the key derived for that
 * name (keyname_host_key).  Returns out, or NULL with a sentence in err
 * ("no key for web1 in /home/u/.config/rsh/key").  The caller wipes
 * *out with crypto_wipe() once its connections are done.
 */
const struct key *target_key(const struct target *t,
	    const struct keyring *keys, struct key *out, char *err,
	    size_t errlen);

/* The caller's home directory: $HOME, else its passwd entry's; NULL if
 * neither. */
const char	*target_home(void);

#endif
