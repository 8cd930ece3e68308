/*
 * conf: rshd's settings, from defaults, a config file (-f) and -o
 * KEYWORD=VALUE overrides, in that order.  Keywords are matched without
 * regard to case, as in sshd_config.
 */
#ifndef RSHD_CONF_H
#define RSHD_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAXLIST	16		/* values in one list setting */
#define CONF_MAXNAMES	CONF_MAXLIST
#define CONF_MAXLISTEN	CONF_MAXLIST
/* TCPKeepAlive yes: a vanished client is let go within 2 minutes. */
#define CONF_KEEPALIVE_MS	120000

/* The account rshd's network part runs as, when started as root. */
#define CONF_NETWORK_ACCOUNT	"_rshd"

struct conf {
	char		*keys_file;
	char		*listen[CONF_MAXLISTEN];	/* addresses, -l */
	size_t		 nlisten;
	char		*port;				/* -p, "2222" */
	char		*port_file;
	char		*pid_file;
	int		 foreground;
	int		 debug;
	int		 udp;			/* 0 with --no-udp */
	char		*names[CONF_MAXNAMES];	/* ServerName; none: defaults */
	size_t		 nnames;
	int		 backlog;		/* ListenBacklog, 0: somaxconn */
	int		 max_conns;		/* MaxConnections */
	int		 max_unauth;		/* MaxUnauthenticated */
	int		 max_unauth_src;	/* MaxUnauthenticatedPerSource */
	int		 auth_timeout_ms;	/* AuthTimeout */
	int		 max_auth_failures;	/* MaxAuthFailures; 0: off */
	int		 auth_penalty_ms;	/* AuthPenalty */
	int		 drain_grace_ms;	/* DrainGrace */
	int		 kill_grace_ms;		/* KillGrace */
	uint32_t	 stdin_window;		/* StdinWindow */
	int		 max_timeout_ms;	/* MaxCommandTime, 0: none */
	int		 udp_workers;		/* UdpWorkers */
	int		 udp_queue;		/* UdpQueue */
	int		 udp_window_ms;		/* UdpClockWindow */
	int		 udp_max_reply;		/* UdpMaxReply */
	int		 udp_replay_entries;	/* UdpReplayEntries */
	int		 udp_replay_per_key;	/* UdpReplayPerKey */
	uint32_t	 udp_replay_bytes;	/* UdpReplayMemory */
	int		 permit_root;		/* PermitRootCommands */
	int		 command_cgroups;	/* CommandCgroups */
	int		 idle_timeout_ms;	/* IdleTimeout, 0: none */
	int		 keepalive_ms;		/* TCPKeepAlive, 0: off */
	int		 shutdown_grace_ms;	/* ShutdownGrace */
	char		*accept_env[CONF_MAXLIST];	/* AcceptEnv globs */
	size_t		 naccept_env;
	char		*path;			/* Path; NULL: by uid */
	char		*audit_log;		/* AuditLog; NULL: none */
	int		 audit_required;	/* AuditRequired */
	int		 limit_cpu_ms;		/* LimitCPU; 0: none */
	int		 limit_nofile;		/* LimitNOFILE; 0: none */
	int		 limit_nproc;		/* LimitNPROC; 0: none */
	long long	 limit_as;		/* LimitAS, bytes; 0: none */
	int		 permit_pty;		/* PermitPTY */
	char		*network_account;	/* NetworkAccount; NULL:
						 * CONF_NETWORK_ACCOUNT */
	int		 file_settings;		/* lines the config file set */
};

/* Fills c with the defaults. */
void	conf_defaults(struct conf *c);

/*
 * Sets one keyword from "KEYWORD=VALUE" or "KEYWORD VALUE" (blanks or
 * '=' between them; trailing blanks dropped).  A later value replaces an
 * earlier one, lists included.  Returns 0, or -1 with a sentence in err.
 */
int	conf_set(struct conf *c, const char *kv, char *err, size_t errlen);

/*
 * Reads a config file of "Keyword value" lines, counting them in
 * c->file_settings.  The file is opened without blocking and must be a
 * regular file with no NUL byte (textfile_read).  0, or -1 with err
 * naming the file (and the line).
 */
int	conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/* The same for the file's bytes, buf[0..len) with no NUL (path names
 * it in messages). */
int	conf_parse(struct conf *c, const char *path, const char *buf,
	    size_t len, char *err, size_t errlen);

/* Frees every string c holds. */
void	conf_free(struct conf *c);

#endif
