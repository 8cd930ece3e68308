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
	struct outq	 out;		/* the caller's output, waiting */
	struct client	*cl;		/* whose command runs, or NULL */
};

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

/* Writes all of p to fd, waiting when fd is nonblocking and full: 0 or
 * -1. */
int	caller_write(int fd, const void *p, size_t len);

/* Takes a caller from the listening socket, when it is of our uid. */
void	caller_accept(struct pool *pl);

/* Reads and acts on what a caller sent; may free it (caller_live). */
void	caller_input(struct pool *pl, struct client *cl);

/* 1 while cl is one of the pool's callers. */
int	caller_live(struct pool *pl, struct client *cl);

/* Closes cl's fds, sends its exit status and frees it. */
void	caller_done(struct pool *pl, struct client *cl, int status,
	    int sigpipe);

/* Frees cl; a command it still runs is stopped with its connection. */
void	caller_free(struct pool *pl, struct client *cl);

#endif
