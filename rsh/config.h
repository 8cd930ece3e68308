/*
 * config: the client's settings for one host, ssh_config style
 * (rsh_config.5).  Every source (options, -o, the environment, the
 * file) sets values through config_set in order of precedence, and the
 * first value set for a keyword wins.
 */
#ifndef RSH_CONFIG_H
#define RSH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct config {
	char		*hostname;	/* HostName */
	int		 port;		/* Port, 0: not set */
	char		*key;		/* Key: a key file, ~ expanded */
	char		*servername;	/* ServerName */
	char		*user;		/* User: one of the key's accounts */
	char		*control_path;	/* ControlPath as given: tokens and
					 * ~ are ctl.c's; "none" */
	uint32_t	 connect_ms;	/* ConnectTimeout, 0: not set */
	int		 alive_set;
	uint32_t	 alive_ms;	/* AliveInterval, 0: off */
	int		 alive_count;	/* AliveCount, 0: not set */
	int		 persist;	/* ControlPersist: 0 not set, -1 no,
					 * 1 yes (persist_ms 0) or a time */
	uint32_t	 persist_ms;
};

/*
 * Sets keyword (any case) to value unless it is already set.  Returns 0,
 * or -1 with a sentence in err (unknown keyword, bad value).
 */
int	config_set(struct config *c, const char *keyword, const char *value,
	    char *err, size_t errlen);

/* "Keyword=value" or "Keyword value", as -o gives it. */
int	config_set_line(struct config *c, const char *line, char *err,
	    size_t errlen);

/*
 * Applies the file at path for host: lines before the first Host, and
 * the blocks whose Host patterns match host.  A missing file is fine
 * when missing_ok.  Returns 0, or -1 with "FILE:LINE: what" in err.
 */
int	config_load(struct config *c, const char *path, const char *host,
	    int missing_ok, char *err, size_t errlen);

/* Frees the strings; c may be used again, empty. */
void	config_free(struct config *c);

#endif
