/*
 * fanout: one command on many hosts (rsh -w): up to a fan-out's worth of
 * connections at once, all driven by one poll() loop, each reporting to
 * its own sink (lines prefixed by host, blocks with -b, or one JSON
 * object a host).  Each host's port, key, server name and timeouts come
 * from the options and the config exactly as for `rsh HOST`.  Standard
 * input is not forwarded (every command gets NO_STDIN).  One fd and
 * one connection's buffers per slot are held, whatever the list's length.
 */
#ifndef RSH_FANOUT_H
#define RSH_FANOUT_H

#include <stddef.h>

#include "wire.h"

#include "hostlist.h"
#include "opts.h"

#define FANOUT_DEFAULT	32
#define FANOUT_MAX	1024
/* Hosts named in the failure summary; the rest are counted. */
#define FANOUT_SUMMARY	10

/* The hosts that failed, for the summary: the first FANOUT_SUMMARY
 * named with why ("host (why)", owned), the rest counted. */
struct fanout_failed {
	size_t	 n;
	char	*line[FANOUT_SUMMARY];
};

/* Notes that host failed, and why. */
void	fanout_failed_add(struct fanout_failed *ff, const char *host,
	    const char *why);

/* "PROG: 2 of 5 hosts failed: web3 (why), ..." on stderr; nothing when
 * none failed.  PROG is the name we run under (rsh or rcp). */
void	fanout_failed_say(const struct fanout_failed *ff, size_t nhosts);

/* Frees the lines; ff is empty again. */
void	fanout_failed_free(struct fanout_failed *ff);

/*
 * The hosts of every -w, less those of every -X.  NULL after saying on
 * stderr (as rsh or rcp, whichever we run as) what is wrong (a bad list, or no host left).
 */
struct hostlist *fanout_hosts(const struct opts *o);

/*
 * Runs e (which must carry EXEC_FLAG_NO_STDIN) on every host of hosts,
 * at most fanout at once; SIGINT, SIGTERM, SIGHUP and SIGQUIT read from
 * sigfd go to every running command and start no new host.  Ends with a
 * summary of the failed hosts on stderr.  Returns the exit status: the
 * largest of the hosts', 255 when any host could not be reached or
 * authenticated; -SIGPIPE when our output is a closed pipe.
 */
int	fanout_run(const struct opts *o, const struct hostlist *hosts,
	    const struct wire_exec *e, int fanout, int sigfd);

#endif
