/*
 * recloop: the record loop both programs run over one connected,
 * nonblocking TCP socket once the handshake has keyed it: an input buffer
 * filled from the socket and opened one record at a time, an output queue
 * into which records are sealed in place, flushed without blocking, with
 * a high-water mark for back-pressure and byte counters.  Mechanism only:
 * which record may come when is the caller's (rshd/session.c, rsh/conn*.c).
 * No printing: what went wrong is a sentence recloop_error() returns.
 *
 * Life:  recloop_init -> recloop_attach(fd) -> [handshake bytes through
 *        recloop_peek/skip/queue] -> recloop_keys -> fill/next/send/
 *        reserve+commit/flush ... -> recloop_reset (the socket closed;
 *        attach again for a new one) -> recloop_free.
 */
#ifndef RSH_RECLOOP_H
#define RSH_RECLOOP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "crypto.h"
#include "wire.h"

/* Whether a record of this type and length may arrive on this side:
 * wire_check_c2s for a server, wire_check_s2c for a client. */
typedef enum wire_status (*recloop_check_fn)(uint8_t type, size_t len);

/* The loop's bounds, fixed at recloop_init. */
struct recloop_bounds {
	size_t	in_max;		/* the input buffer, at least 2 records */
	size_t	out_max;	/* the output queue, at least 1 record */
	size_t	out_high;	/* reserve() refuses from here: back-pressure */
	size_t	recv_chunk;	/* room made for each recv (all of it is used) */
	recloop_check_fn check;	/* which records this side may receive */
};

/*
 * Embedded in its owner (no allocation of its own).  Its fields are read,
 * never written, outside recloop.c.  The fd is borrowed: its owner closes
 * it, after recloop_reset() or recloop_free().
 */
struct recloop {
	struct recloop_bounds	 b;
	int			 fd;		/* -1: none attached */
	struct wire_dir		*rx, *tx;	/* NULL until recloop_keys */
	struct buf		 in, out;
	size_t			 opened;	/* the last record's length,
						 * consumed by the next next() */
	uint8_t			*resv;		/* reserve()'s payload, or NULL */
	size_t			 reserved;	/* and its room */
	int			 broken;	/* a bad record came: stop */
	uint64_t		 sent, received;	/* bytes, this socket */
	char			 why[96];	/* the last error, a sentence */
};

/* What recloop_fill found. */
enum recloop_io {
	RECLOOP_DATA = 0,	/* bytes arrived */
	RECLOOP_AGAIN,		/* none now: the socket would block */
	RECLOOP_EOF,		/* the peer closed its side */
	RECLOOP_ERROR,		/* recv failed: errno says why */
	RECLOOP_FULL		/* no room: the input holds a record it
				 * never consumed (cannot happen when every
				 * record is taken with recloop_next) */
};

/* Empty buffers within b (copied), no socket, no keys.  0, or -1 when
 * memory runs out (then recloop_free is still safe). */
int	recloop_init(struct recloop *, const struct recloop_bounds *b);

/* Frees the keys and the buffers, wiping both; the fd stays open.  Safe
 * on a zeroed or freed loop. */
void	recloop_free(struct recloop *);

/* The socket to use from now on (nonblocking for fill and flush). */
void	recloop_attach(struct recloop *, int fd);

/* Forgets the socket (not closed here), the keys, every queued or
 * received byte and the counters: ready for recloop_attach again. */
void	recloop_reset(struct recloop *);

/*
 * Keys both directions (rxkey opens, txkey seals; copied, the caller wipes
 * its own) from sequence number 0.  0, or -1 (out of memory, or keys
 * already set).
 */
int	recloop_keys(struct recloop *, const uint8_t rxkey[CRYPTO_KEYLEN],
	    const uint8_t txkey[CRYPTO_KEYLEN]);

/* 1 once recloop_keys has succeeded (until recloop_reset). */
int	recloop_keyed(const struct recloop *);

/*
 * The handshake's bytes, which come and go through the same buffers
 * before the keys: what has been received (peek, *len set), dropping n of
 * it (skip), and queueing raw bytes to send (queue: 0, or -1 when they do
 * not fit).
 */
const uint8_t	*recloop_peek(const struct recloop *, size_t *len);
void		 recloop_skip(struct recloop *, size_t n);
int		 recloop_queue(struct recloop *, const void *p, size_t n);

/* Reads what the socket has, without blocking, into the input buffer. */
enum recloop_io recloop_fill(struct recloop *);

/*
 * Opens the next whole record in the input, after consuming the one the
 * previous call returned (its payload stays readable in place until the
 * next recloop_fill).  WIRE_OK: *type, *payload (decrypted, in the
 * buffer) and *len are set; WIRE_INCOMPLETE: more bytes are needed;
 * WIRE_TOOBIG or WIRE_BAD: a length out of bounds, a tag that does not
 * verify, or a type or length this side may not receive; recloop_error()
 * says which, and every later call says the same (close the connection).
 */
enum wire_status recloop_next(struct recloop *, uint8_t *type,
		    uint8_t **payload, size_t *len);

/*
 * Seals a record of len payload bytes (copied from p) at the end of the
 * output queue; it leaves with the next recloop_flush.  Small records
 * only: the high-water mark does not apply, the queue's maximum does.
 * 0, or -1 (queue full, sequence exhausted, crypto failure: see
 * recloop_error).
 */
int	recloop_send(struct recloop *, uint8_t type, const void *p,
	    size_t len);

/*
 * Room in the output queue for a record whose payload the caller writes
 * in place (read straight from a pipe or a terminal): where to write up to
 * *len bytes (*len is lowered to WIRE_MAXPAYLOAD at most).  NULL when the
 * queue is at its high-water mark or cannot take the record: wait for
 * recloop_flush.  Then either recloop_commit (sealed and queued) or
 * recloop_abandon (wiped); a reserve followed by neither is forgotten by
 * the next one.
 */
uint8_t	*recloop_reserve(struct recloop *, size_t *len);

/* Seals the n bytes written at p (what recloop_reserve returned, n at most
 * what it allowed) as a record of type.  0, or -1 (abandoned; see
 * recloop_error). */
int	recloop_commit(struct recloop *, uint8_t type, uint8_t *p, size_t n);

/* Drops the reserved record, wiping what may have been written there. */
void	recloop_abandon(struct recloop *);

/*
 * Sends what it can of the queue without blocking (MSG_NOSIGNAL: a peer
 * that left is -1 with EPIPE, never SIGPIPE).  0, or -1 with errno set
 * when the socket failed.
 */
int	recloop_flush(struct recloop *);

/* Bytes queued and not yet sent. */
size_t	recloop_pending(const struct recloop *);

/* 1 while the queue is under its high-water mark (reserve would give). */
int	recloop_room(const struct recloop *);

/* The poll() events the socket needs: POLLIN, and POLLOUT while bytes are
 * queued. */
short	recloop_events(const struct recloop *);

/* The last failure of next, send, commit or fill (FULL), as a sentence. */
const char *recloop_error(const struct recloop *);

#endif
