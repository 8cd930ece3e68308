/*
 * outq: output for fds that are not ours to make nonblocking.  A master
 * writes each caller's output to the caller's own stdout and stderr, whose
 * open files it shares with the caller's shell and pipeline: setting
 * O_NONBLOCK on them would change them for everyone.  outq writes what the
 * fd can take without blocking (pwritev2's RWF_NOWAIT where the kernel
 * has it, else at most PIPE_BUF once poll() says the fd is writable) and
 * queues the rest, bounded, in order across the two fds.
 */
#ifndef RSH_OUTQ_H
#define RSH_OUTQ_H

#include <poll.h>
#include <stddef.h>

#include "buf.h"

struct outq {
	struct buf	q;		/* [fd u8][len u32][bytes] ... */
	size_t		head_done;	/* bytes of the first chunk written */
	int		fds[3];		/* indexed by 1 and 2 */
	int		kind[3];	/* how each may be written */
	int		err_fd;		/* the fd that failed, or 0 */
};

/* An empty queue of at most max bytes: 0, or -1 (out of memory). */
int	outq_init(struct outq *, size_t max);
void	outq_free(struct outq *);

/* The fds writes to 1 and 2 go to from now on (the queue is empty). */
void	outq_bind(struct outq *, int out_fd, int err_fd);

/* Drops what is queued (its reader has gone). */
void	outq_reset(struct outq *);

/*
 * Writes what fd (1 or 2) takes now, queues the rest.  0, or -1 with
 * errno when the write failed (outq_failed_fd says which) or the queue
 * is full (ENOBUFS).
 */
int	outq_write(struct outq *, int fd, const void *p, size_t len);

/* Bytes queued, not yet written. */
size_t	outq_pending(const struct outq *);

/* The pollfd to wait on while bytes are queued: 1 filled, or 0. */
int	outq_pollfd(const struct outq *, struct pollfd *pfd);

/* After poll(): writes what can go now.  0, or -1 with errno. */
int	outq_drain(struct outq *);

/* After a -1: the fd (1 or 2) whose write failed, or 0 (the queue was
 * full). */
int	outq_failed_fd(const struct outq *);

#endif
