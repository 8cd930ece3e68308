/*
 * pool_int: the master's insides, shared by pool.c (the connections and
 * the loop) and caller.c (the rsh calls on the control socket).  Nothing
 * else includes it.
 */
#ifndef RSH_POOL_INT_H
#define RSH_POOL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#include "conn.h"
#include "master.h"
#include "outq.h"
#include "pool.h"
#include "sink.h"

struct pool;
struct client;

/* A connection and the sink its commands report to. */
struct slot {
	struct sink	 s;		/* first: &sl->s is the sink */
	struct pool	*pool;
	struct conn	*c;
	struct client	*cl;		/* whose command runs, or NULL */
};

/* A caller's output waiting for its reader: what one round of records can
 * bring (the connection's input buffer) and more. */
#define CALLER_OUTQ_MAX	(1024 * 1024)

/* A caller on the control socket. */
struct client {
	int		  fd;
	uint8_t		 *buf;
	size_t		  have;
	int		  fds[3];	/* its stdin, stdout, stderr */
	int		  nfd;
	struct wire_exec *exec;		/* its command, once received */
	char		  max_time[64];
	int		  flags;	/* CTL_F_* */
	int		  waiting;	/* has a command, no connection yet */
	struct slot	 *slot;
	/* Everything for its stdout and stderr, rsh's own messages and
	 * refusals too: the master never waits on a caller's reader. */
	struct outq	  out;
	int		  done;		/* ended: its result goes once out
					 * is drained */
	int		  status, sigpipe;
};

struct pool {
	struct pool_params	*p;
	struct slot		*slots[MASTER_POOL];
	struct client		*clients[MASTER_CLIENTS];
	long long		 idle_since, spare_at;
	int			 quit, failed;
};

/* Frees a connection (closing it stops its command) and its slot. */
void	pool_slot_free(struct pool *pl, struct slot *sl);

/* Writes what the nonblocking fd takes now and drops the rest (rsh -M's
 * pipe, while it waits for the master): 0 or -1. */
int	caller_write(int fd, const void *p, size_t len);

/* A line from rsh for cl's stderr, queued after its output. */
void	caller_say(struct client *cl, const char *line, size_t len);

/* Takes a caller from the listening socket, when it is of our uid. */
void	caller_accept(struct pool *pl);

/* Reads and acts on what a caller sent; may free it (caller_live). */
void	caller_input(struct pool *pl, struct client *cl);

/* 1 while cl is one of the pool's callers. */
int	caller_live(struct pool *pl, struct client *cl);

/*
 * cl's command is over (it has no slot now): once its queued output is
 * written, closes its fds, sends its exit status and frees it (at once
 * when nothing is queued; else caller_flush does, later).
 */
void	caller_done(struct pool *pl, struct client *cl, int status,
	    int sigpipe);

/* After poll(): writes what cl's fds take now, and ends a caller that is
 * done once all is out (or its reader failed).  May free cl. */
void	caller_flush(struct pool *pl, struct client *cl);

/* Frees cl; a command it still runs is stopped with its connection. */
void	caller_free(struct pool *pl, struct client *cl);

#endif
