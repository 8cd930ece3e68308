/*
 * opts: rsh's command line, parsed and checked, and its usage text.
 * Values that the config file may also give (port, key, timeouts) are
 * only collected here; main.c decides which one wins (rsh_config.5).
 */
#ifndef RSH_OPTS_H
#define RSH_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct opts {
	const char	 *port;		/* -p */
	const char	 *keyfile;	/* -k */
	const char	 *login;	/* -l */
	const char	 *config;	/* -F */
	const char	**cfg;		/* -o Keyword=value, in order */
	size_t		  ncfg;
	int		  argv_mode;	/* -x */
	int		  no_stdin;	/* -n */
	int		  udp;		/* -u */
	int		  tty;		/* -t: 1, -tt: 2 (force) */
	int		  no_tty;	/* -T */
	int		  json;		/* --json */
	int		  line_mode;	/* --line-mode */
	int		  verbose;	/* -v */
	int		  quiet;	/* -q */
	uint32_t	  timeout_ms;	/* -m, 0: not given */
	const char	 *max_time;	/* -m as given */
	const char	 *connect_timeout;	/* --connect-timeout */
	uint16_t	  max_reply;	/* --max-reply, 0: not given */
	int		  retries;	/* --retry */
	const char	 *keygen;	/* --keygen ID */
	int		  fleet;	/* --fleet */
	int		  derive;	/* --derive */
	char		**env;		/* -e NAME=value */
	size_t		  envc;
	const char	 *cwd;		/* -d */
	const char	**hosts;	/* -w HOSTLIST, in order */
	size_t		  nhosts;
	const char	**excludes;	/* -X HOSTLIST */
	size_t		  nexcludes;
	int		  fanout;	/* -f, 0: not given */
	int		  block;	/* -b */
	int		  master;	/* -M */
	const char	 *ctl_op;	/* -O check|exit */
	int		  help;		/* 1: -h; -1: a usage error */
	int		  version;
	int		  argi;		/* the first operand */
};

/*
 * Parses argv into o (o's arrays point into argv; opts_free frees them).
 * Returns 0, or -1 after saying what is wrong on stderr.
 */
int	opts_parse(int argc, char **argv, struct opts *o);

void	opts_free(struct opts *o);

/* The usage text, on f. */
void	opts_usage(FILE *f);

/*
 * A duration as the daemon writes them: "1.5" or "2s" (seconds), "250ms".
 * Above 0 and at most about 49 days.  Returns 0 with *ms, or -1.
 */
int	opts_duration(const char *s, uint32_t *ms);

/* A port number, 1 to 65535.  Returns it, or -1. */
int	opts_port(const char *s);

#endif
