/*
 * snapshot: one immutable view of what the operator configured: the
 * settings (defaults, config file, -o, command line, in that order), the
 * keys with their parsed options and accounts (the policy), and the
 * server names.  Reference counted: each connection and each UDP request
 * holds the snapshot that was current when it started, to its end; a
 * reload (SIGHUP) builds a new one beside it, and the old one goes when
 * its last holder lets go.  Nothing in a snapshot changes after
 * snapshot_load returns, so its readers need no lock.
 */
#ifndef RSHD_SNAPSHOT_H
#define RSHD_SNAPSHOT_H

#include <sys/socket.h>

#include <stddef.h>

#include "keys.h"

#include "conf.h"
#include "exec.h"

/* SYSCONFDIR from the Makefile: /etc for PREFIX=/usr, else PREFIX/etc. */
#ifndef RSHD_SYSCONFDIR
#define RSHD_SYSCONFDIR		"/etc"
#endif
/* The keys file without -k or KeysFile. */
#define SNAPSHOT_DEFAULT_KEYS	RSHD_SYSCONFDIR "/rsh/keys"
/* The config file without -f, read when it exists. */
#define SNAPSHOT_DEFAULT_CONFIG	RSHD_SYSCONFDIR "/rsh/rshd.conf"
#define SNAPSHOT_MAXOVERRIDES	64
#define SNAPSHOT_MAXNAMES	(CONF_MAXNAMES + 3)

/* Where settings come from besides the config file: the command line,
 * and the directory rshd started in (relative paths are taken from it,
 * also on a reload, which runs after the daemon moved to /). */
struct snapshot_source {
	const char	*cwd;
	const char	*config;	/* NULL: none (-f none) */
	int		 config_optional;	/* the default: absent is
						 * no file, not an error */
	const char	*overrides[SNAPSHOT_MAXOVERRIDES];	/* -o */
	size_t		 noverrides;
	const char	*keys, *port, *port_file, *pid_file;
	const char	*listen[CONF_MAXLISTEN];
	size_t		 nlisten;
	int		 foreground, debug, no_udp, check;
};

struct snapshot {
	struct conf	 conf;
	struct keyring	*keys;
	struct policy	*policy;	/* what each key may do */
	size_t		 usable;	/* keys that authenticate someone */
	char		*names[SNAPSHOT_MAXNAMES];	/* lowercased */
	size_t		 nnames;
	int		 any_name;	/* ServerName * */
	char		*conf_text;	/* the config file as read; NULL:
					 * none was */
	size_t		 conf_len;
	unsigned long	 gen;		/* 1 at startup, +1 a reload */
	int		 refs;		/* atomic */
	int		 retired_fd;	/* eventfd: readable once a reload
					 * put another in force; -1 once
					 * retired and watched by nobody */
	int		 retired;	/* these two under snapshot.c's */
	int		 watchers;	/* watch_lock */
};

/*
 * Builds a snapshot with one reference, for generation gen, running
 * commands as self unless a key says otherwise.  A key whose options are
 * refused is skipped and reported in *report (lines; the caller frees it;
 * NULL when every key is fine).  NULL when the files cannot be used (a
 * config line that does not parse, an unreadable or empty keys file, no
 * usable key, a bad ServerName), with the reason in err.
 */
struct snapshot	*snapshot_load(const struct snapshot_source *src,
		    const struct exec_account *self, unsigned long gen,
		    char **report, char *err, size_t errlen);

struct snapmat;

/*
 * The network part's snapshot of a reload, built from what the
 * privileged part handed over (snapmat.h) and the command line alone:
 * it reads no file and looks up no account or name.
 */
struct snapshot	*snapshot_load_handed(const struct snapshot_source *src,
		    const struct snapmat *m, unsigned long gen, char *err,
		    size_t errlen);

/* hook(gen) runs as each snapshot is freed (NULL: nothing does). */
void	snapshot_set_free_hook(void (*hook)(unsigned long gen));

/* Takes one more reference. */
void	snapshot_hold(struct snapshot *);

/* Drops one; the last frees the snapshot.  NULL does nothing. */
void	snapshot_put(struct snapshot *);

/* 1 when the C1 name (raw bytes) is one snap answers to, on a socket
 * whose local address is localname. */
int	snapshot_name_ok(const struct snapshot *snap, const char *name,
	    size_t len, const char *localname);

/*
 * The config file to read now: src->config, or NULL when there is none
 * (-f none, or the default file is absent).
 */
const char	*snapshot_config_path(const struct snapshot_source *src);

/*
 * Whether next may replace a configuration whose first snapshot was boot:
 * a config file with no setting in it now (or the default file gone),
 * though it had some when rshd started, is refused (what a crash can leave would otherwise reset every
 * setting to its default).  0, or -1 with a sentence in err.
 */
int	snapshot_reload_ok(const struct snapshot_source *src,
	    const struct snapshot *boot, const struct snapshot *next,
	    char *err, size_t errlen);

/*
 * A reload put another snapshot in force: wakes every connection that
 * polls s's retired_fd (it stays readable), so each can check its key
 * against the new one (snapshot_key_change).
 */
void	snapshot_retire(struct snapshot *s);

/*
 * A connection polls s->retired_fd from snapshot_watch() to
 * snapshot_unwatch() (it holds a reference of its own too); the fd stays
 * open while anyone watches.  snapshot_watch returns 1 when s is retired
 * already: check the key at once.
 */
int	snapshot_watch(struct snapshot *s);
void	snapshot_unwatch(struct snapshot *s);

/*
 * Whether key (of cur) still stands as it is in next, for a connection
 * from peer: NULL when it does; else what changed, as words that follow
 * "key 'ID' ..." in a sentence: "was removed", "has a new secret", "has
 * new options", "is skipped now (its options were refused)".  Only the
 * key's own line counts; the rest of the configuration a connection keeps
 * from the snapshot it started with.
 */
const char *snapshot_key_change(const struct snapshot *next,
	    const struct key *key, const struct sockaddr_storage *peer);

/*
 * The settings of next that differ from cur's but cannot change while
 * rshd runs (listeners, port, UDP threads and cache, files opened at
 * startup): their keywords, comma-separated, in out ("" when none).
 */
void	snapshot_fixed_changes(const struct snapshot *cur,
	    const struct snapshot *next, char *out, size_t outlen);

/*
 * How many keys s serves, for the log: "1 key", "3 keys", "1 usable key,
 * 1 skipped".  Returns buf (len bytes; 64 will do).
 */
const char	*snapshot_keys_said(const struct snapshot *s, char *buf,
		    size_t len);

#endif
