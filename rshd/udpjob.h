/*
 * udpjob: one authenticated UDP request, from the clock window to the
 * reply: the name, the EXEC, a job with a sink that keeps the output in
 * bounded buffers, and the reply cut to fit (PROTOCOL.md, "UDP").
 */
#ifndef RSHD_UDPJOB_H
#define RSHD_UDPJOB_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "udp.h"

#include "job.h"
#include "privmsg.h"
#include "replay.h"
#include "server.h"
#include "snapshot.h"

/* A request that passed parse, key, OPEN and the replay cache; its
 * token is let go by its reply's SEAL, or by priv_udp_drop. */
struct udpreq {
	uint8_t			*dgram;		/* owned; opened in place */
	size_t			 len;
	struct udp_req		 r;		/* points into dgram */
	struct snapshot		*snap;		/* held while it is queued
						 * and answered */
	const struct key	*key;		/* of snap */
	struct replay_entry	*entry;		/* for its reply */
	int			 fd;		/* the socket it came on */
	struct sockaddr_storage	 src;		/* the client */
	socklen_t		 srclen;
	struct sockaddr_storage	 dst;		/* our address it came to */
	int			 ifindex;
	char			 peerstr[64];
	uint64_t		 t_recv_us;
	uint64_t		 id;		/* for the audit log */
	uint8_t			 token[PRIV_TOKENLEN];	/* from OPEN, for
							 * PREPARE and SEAL */
};

/* A worker's buffers, made once and reused for every request. */
struct udpjob_bufs {
	uint8_t	*out, *err;	/* the streams, up to a reply's budget */
	uint8_t	*scratch;	/* output beyond it, read and dropped */
	uint8_t	*reply;		/* the reply datagram */
};

/* 0, or -1 when memory runs out (b is then freed). */
int	udpjob_bufs_init(struct udpjob_bufs *b);
void	udpjob_bufs_free(struct udpjob_bufs *b);

/*
 * Answers q: how 3 outside the clock window or at or below floor_ms; how
 * 2 for a name this server does not answer to or an EXEC that is refused;
 * otherwise runs it.  The reply is built into b->reply with a fresh Nr.
 * Returns its length, or -1 when there is none to send (out of memory,
 * crypto failure; logged).  Blocks while the
 * command runs, and stops it when the daemon's shutdown_fd becomes
 * readable.  *rest is the job, whose leftover processes may still be
 * being stopped: the caller sends the reply, then job_free()s it.
 * *skewed is 1 when the answer is a refusal for clock skew (how 3).
 */
long	udpjob_answer(const struct rshd *d, uint64_t floor_ms,
	    const struct udpreq *q, struct udpjob_bufs *b, struct job **rest,
	    int *skewed);

#endif
