/*
 * recloop: one connection's record loop, shared by rshd's sessions and
 * rsh's connections.  Records are sealed where they will be sent and
 * opened where they were received: no copy and no allocation per record
 * beyond the payload a small record's caller hands over.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "recloop.h"
#include "wire.h"

int
recloop_init(struct recloop *rl, const struct recloop_bounds *b)
{
	memset(rl, 0, sizeof(*rl));
	rl->fd = -1;
	rl->b = *b;
	if (b->in_max < 2 * WIRE_MAXRECORD || b->out_max < WIRE_MAXRECORD ||
	    b->recv_chunk > b->in_max - WIRE_MAXRECORD || b->check == NULL) {
		return -1;
	}
	if (buf_init(&rl->in, WIRE_MAXRECORD, b->in_max) == -1 ||
	    buf_init(&rl->out, WIRE_MAXRECORD, b->out_max) == -1) {
		return -1;
	}
	return 0;
}

void
recloop_free(struct recloop *rl)
{
	wire_dir_free(rl->rx);
	wire_dir_free(rl->tx);
	rl->rx = rl->tx = NULL;
	buf_free(&rl->in);
	buf_free(&rl->out);
	rl->fd = -1;
}

void
recloop_attach(struct recloop *rl, int fd)
{
	rl->fd = fd;
}

void
recloop_reset(struct recloop *rl)
{
	wire_dir_free(rl->rx);
	wire_dir_free(rl->tx);
	rl->rx = rl->tx = NULL;
	/* What stays in the buffers is wiped when they are freed. */
	buf_consume(&rl->in, rl->in.len);
	buf_consume(&rl->out, rl->out.len);
	rl->fd = -1;
	rl->opened = rl->reserved = 0;
	rl->resv = NULL;
	rl->broken = 0;
	rl->sent = rl->received = 0;
	rl->why[0] = '\0';
}

int
recloop_keys(struct recloop *rl, const uint8_t rxkey[CRYPTO_KEYLEN],
    const uint8_t txkey[CRYPTO_KEYLEN])
{
	if (rl->rx != NULL || rl->tx != NULL) {
		return -1;
	}
	rl->rx = wire_dir_new(rxkey, 0, 0);
	rl->tx = wire_dir_new(txkey, 0, 1);
	if (rl->rx == NULL || rl->tx == NULL) {
		wire_dir_free(rl->rx);
		wire_dir_free(rl->tx);
		rl->rx = rl->tx = NULL;
		return -1;
	}
	return 0;
}

int
recloop_keyed(const struct recloop *rl)
{
	return rl->tx != NULL;
}

const uint8_t *
recloop_peek(const struct recloop *rl, size_t *len)
{
	*len = rl->in.len;
	return buf_data(&rl->in);
}

void
recloop_skip(struct recloop *rl, size_t n)
{
	buf_consume(&rl->in, n);
}

int
recloop_queue(struct recloop *rl, const void *p, size_t n)
{
	return buf_append(&rl->out, p, n);
}

enum recloop_io
recloop_fill(struct recloop *rl)
{
	uint8_t	*p;
	ssize_t	 r;

	/* The last record's bytes may move now: its payload was used. */
	buf_consume(&rl->in, rl->opened);
	rl->opened = 0;
	if ((p = buf_reserve(&rl->in, rl->b.recv_chunk)) == NULL) {
		snprintf(rl->why, sizeof(rl->why), "%s",
		    "no room for input: a record was never taken");
		return RECLOOP_FULL;
	}
	/* All the room reserve left, which is at least recv_chunk. */
	do {
		r = recv(rl->fd, p, rl->in.cap - rl->in.off - rl->in.len,
		    MSG_DONTWAIT);
	} while (r == -1 && errno == EINTR);
	if (r > 0) {
		buf_commit(&rl->in, (size_t)r);
		rl->received += (uint64_t)r;
		return RECLOOP_DATA;
	}
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		return RECLOOP_AGAIN;
	}
	return r == 0 ? RECLOOP_EOF : RECLOOP_ERROR;
}

/* Marks the loop broken, for good, with a reason; returns st. */
static enum wire_status
broken(struct recloop *rl, enum wire_status st, const char *why)
{
	rl->broken = (int)st;
	snprintf(rl->why, sizeof(rl->why), "%s", why);
	return st;
}

enum wire_status
recloop_next(struct recloop *rl, uint8_t *type, uint8_t **payload,
    size_t *len)
{
	enum wire_status	st;
	size_t			used = 0;

	*type = 0;
	*payload = NULL;
	*len = 0;
	if (rl->broken) {
		return (enum wire_status)rl->broken;
	}
	/* Consumed, not moved: the previous payload stays where it was. */
	buf_consume(&rl->in, rl->opened);
	rl->opened = 0;
	if (rl->rx == NULL) {
		return WIRE_INCOMPLETE;		/* no keys: no records yet */
	}
	st = wire_open(rl->rx, buf_data(&rl->in), rl->in.len, &used, type,
	    payload, len);
	switch (st) {
	case WIRE_OK:
		break;
	case WIRE_INCOMPLETE:
		return st;
	case WIRE_TOOBIG:
		return broken(rl, st, "a record's length is out of bounds");
	default:
		return broken(rl, WIRE_BAD, "a record does not authenticate "
		    "(forged, damaged or out of order)");
	}
	rl->opened = used;
	if (rl->b.check(*type, *len) != WIRE_OK) {
		char why[sizeof(rl->why)];

		snprintf(why, sizeof(why), "unexpected record type 0x%02x "
		    "with %zu bytes", *type, *len);
		st = broken(rl, WIRE_BAD, why);
		*payload = NULL;
		*len = 0;
		return st;
	}
	return WIRE_OK;
}

int
recloop_send(struct recloop *rl, uint8_t type, const void *p, size_t len)
{
	uint8_t	*rec;
	long	 n;

	rl->resv = NULL;	/* a reserve not committed is forgotten */
	rl->reserved = 0;
	if (len > WIRE_MAXPAYLOAD ||
	    (rec = buf_reserve(&rl->out, len + WIRE_OVERHEAD)) == NULL) {
		snprintf(rl->why, sizeof(rl->why), "%s", "output queue full");
		return -1;
	}
	if (len > 0) {
		memcpy(rec + WIRE_PAYLOADOFF, p, len);
	}
	if (rl->tx == NULL || (n = wire_seal(rl->tx, type, rec, len)) == -1) {
		buf_abandon(&rl->out, len + WIRE_OVERHEAD);
		snprintf(rl->why, sizeof(rl->why), "%s",
		    "cannot seal a record");
		return -1;
	}
	buf_commit(&rl->out, (size_t)n);
	return 0;
}

uint8_t *
recloop_reserve(struct recloop *rl, size_t *len)
{
	uint8_t	*rec;
	size_t	 want = *len < WIRE_MAXPAYLOAD ? *len : WIRE_MAXPAYLOAD;

	rl->resv = NULL;
	rl->reserved = 0;
	if (!recloop_room(rl) ||
	    (rec = buf_reserve(&rl->out, want + WIRE_OVERHEAD)) == NULL) {
		return NULL;
	}
	rl->resv = rec + WIRE_PAYLOADOFF;
	rl->reserved = want;
	*len = want;
	return rl->resv;
}

int
recloop_commit(struct recloop *rl, uint8_t type, uint8_t *p, size_t n)
{
	long len;

	/* Only what reserve gave, as it gave it: the queue did not move. */
	if (p == NULL || p != rl->resv || n > rl->reserved || rl->tx == NULL ||
	    (len = wire_seal(rl->tx, type, p - WIRE_PAYLOADOFF, n)) == -1) {
		recloop_abandon(rl);
		snprintf(rl->why, sizeof(rl->why), "%s",
		    "cannot seal a record");
		return -1;
	}
	rl->resv = NULL;
	rl->reserved = 0;
	buf_commit(&rl->out, (size_t)len);
	return 0;
}

void
recloop_abandon(struct recloop *rl)
{
	if (rl->resv != NULL) {
		buf_abandon(&rl->out, rl->reserved + WIRE_OVERHEAD);
	}
	rl->resv = NULL;
	rl->reserved = 0;
}

int
recloop_flush(struct recloop *rl)
{
	while (rl->out.len > 0) {
		ssize_t w = send(rl->fd, buf_data(&rl->out), rl->out.len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w > 0) {
			buf_consume(&rl->out, (size_t)w);
			rl->sent += (uint64_t)w;
		} else if (w == -1 && errno == EINTR) {
			continue;
		} else if (w == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			return 0;
		} else {
			if (w == 0) {
				errno = EPIPE;	/* not for a stream; be safe */
			}
			return -1;
		}
	}
	return 0;
}

size_t
recloop_pending(const struct recloop *rl)
{
	return rl->out.len;
}

int
recloop_room(const struct recloop *rl)
{
	return rl->out.len < rl->b.out_high;
}

short
recloop_events(const struct recloop *rl)
{
	return (short)(POLLIN | (rl->out.len > 0 ? POLLOUT : 0));
}

const char *
recloop_error(const struct recloop *rl)
{
	return rl->why[0] != '\0' ? rl->why : "no error";
}
