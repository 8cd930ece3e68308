/*
 * test_recloop: the record loop over a socketpair: records sealed on one
 * side open on the other, whole, in order, one byte at a time; payloads
 * sealed in place (reserve, commit, abandon); a forged tag, an oversized
 * length and a record of the wrong direction each end the loop for good;
 * a peer that does not read holds the sender back at its high-water mark.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "recloop.h"
#include "wire.h"

#include "check.h"

static const uint8_t k_c2s[CRYPTO_KEYLEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t k_s2c[CRYPTO_KEYLEN] = { 9, 10, 11, 12, 13, 14, 15 };

/* A client loop (c) and a server loop (s) over a fresh socketpair. */
struct pair {
	struct recloop	c, s;
	int		fd[2];
};

static const struct recloop_bounds client_bounds = {
	2 * WIRE_MAXRECORD + 4096, 4 * WIRE_MAXRECORD, 2 * WIRE_MAXRECORD,
	4096, wire_check_s2c
};
static const struct recloop_bounds server_bounds = {
	4 * WIRE_MAXRECORD, 4 * WIRE_MAXRECORD, 2 * WIRE_MAXRECORD,
	64 * 1024, wire_check_c2s
};

static int
pair_open(struct pair *p)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    p->fd) == -1 ||
	    recloop_init(&p->c, &client_bounds) == -1 ||
	    recloop_init(&p->s, &server_bounds) == -1) {
		return -1;
	}
	recloop_attach(&p->c, p->fd[0]);
	recloop_attach(&p->s, p->fd[1]);
	if (recloop_keys(&p->c, k_s2c, k_c2s) == -1 ||
	    recloop_keys(&p->s, k_c2s, k_s2c) == -1) {
		return -1;
	}
	return 0;
}

static void
pair_close(struct pair *p)
{
	recloop_free(&p->c);
	recloop_free(&p->s);
	recloop_free(&p->s);		/* twice is harmless */
	if (p->fd[0] != -1) {
		close(p->fd[0]);
	}
	close(p->fd[1]);
}

/* Fills s until it has a record or nothing more comes. */
static enum wire_status
next_filled(struct recloop *rl, uint8_t *type, uint8_t **p, size_t *len)
{
	enum wire_status st;

	while ((st = recloop_next(rl, type, p, len)) == WIRE_INCOMPLETE) {
		if (recloop_fill(rl) != RECLOOP_DATA) {
			break;
		}
	}
	return st;
}

static void
test_bounds(void)
{
	struct recloop			rl;
	struct recloop_bounds	b = server_bounds;

	b.in_max = WIRE_MAXRECORD;	/* one record: too small */
	CHECK_EQ(recloop_init(&rl, &b), -1);
	recloop_free(&rl);
	b = server_bounds;
	b.check = NULL;
	CHECK_EQ(recloop_init(&rl, &b), -1);
	recloop_free(&rl);
	b = server_bounds;
	b.recv_chunk = b.in_max;	/* no room left for a whole record */
	CHECK_EQ(recloop_init(&rl, &b), -1);
	recloop_free(&rl);
}

static void
test_round_trip(void)
{
	struct pair	 p;
	uint8_t		*pl, type, ping[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t		 len;

	CHECK_EQ(pair_open(&p), 0);
	CHECK_EQ(recloop_next(&p.s, &type, &pl, &len), WIRE_INCOMPLETE);
	CHECK_EQ(recloop_fill(&p.s), RECLOOP_AGAIN);
	CHECK_EQ(recloop_send(&p.c, REC_STDIN, "hello", 5), 0);
	CHECK_EQ(recloop_send(&p.c, REC_PING, ping, sizeof(ping)), 0);
	CHECK_EQ(recloop_send(&p.c, REC_STDIN_EOF, NULL, 0), 0);
	CHECK_EQ(recloop_pending(&p.c), 5 + 8 + 3 * WIRE_OVERHEAD);
	CHECK(recloop_events(&p.c) & POLLOUT);
	CHECK_EQ(recloop_flush(&p.c), 0);
	CHECK_EQ(recloop_pending(&p.c), 0);
	CHECK_EQ(recloop_events(&p.c), POLLIN);
	CHECK_EQ(p.c.sent, 5 + 8 + 3 * WIRE_OVERHEAD);

	CHECK_EQ(next_filled(&p.s, &type, &pl, &len), WIRE_OK);
	CHECK(type == REC_STDIN && len == 5 && memcmp(pl, "hello", 5) == 0);
	CHECK_EQ(recloop_next(&p.s, &type, &pl, &len), WIRE_OK);
	CHECK(type == REC_PING && len == 8 && memcmp(pl, ping, 8) == 0);
	CHECK_EQ(recloop_next(&p.s, &type, &pl, &len), WIRE_OK);
	CHECK(type == REC_STDIN_EOF && len == 0);
	CHECK_EQ(recloop_next(&p.s, &type, &pl, &len), WIRE_INCOMPLETE);
	CHECK_EQ(p.s.received, p.c.sent);

	/* And back, the other direction's keys. */
	CHECK_EQ(recloop_send(&p.s, REC_PONG, ping, sizeof(ping)), 0);
	CHECK_EQ(recloop_flush(&p.s), 0);
	CHECK_EQ(next_filled(&p.c, &type, &pl, &len), WIRE_OK);
	CHECK(type == REC_PONG && len == 8 && memcmp(pl, ping, 8) == 0);

	/* The peer closes: end of file, told apart from "nothing yet". */
	close(p.fd[0]);
	p.fd[0] = -1;
	CHECK_EQ(recloop_fill(&p.s), RECLOOP_EOF);
	CHECK_EQ(recloop_send(&p.s, REC_PONG, ping, sizeof(ping)), 0);
	CHECK_EQ(recloop_flush(&p.s), -1);
	CHECK_EQ(errno, EPIPE);
	pair_close(&p);
}

/* Three records reach the server one byte per recv. */
static void
test_byte_at_a_time(void)
{
	struct pair	 p;
	uint8_t		*pl, type, big[3000];
	size_t		 len, total, got = 0;

	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = (uint8_t)(i * 7);
	}
	CHECK_EQ(pair_open(&p), 0);
	CHECK_EQ(recloop_send(&p.c, REC_STDIN, "a", 1), 0);
	CHECK_EQ(recloop_send(&p.c, REC_STDIN, big, sizeof(big)), 0);
	CHECK_EQ(recloop_send(&p.c, REC_BYE, NULL, 0), 0);
	total = recloop_pending(&p.c);
	for (size_t i = 0; i < total; i++) {
		enum wire_status st;

		CHECK_EQ(write(p.fd[0], buf_data(&p.c.out) + i, 1), 1);
		CHECK_EQ(recloop_fill(&p.s), RECLOOP_DATA);
		while ((st = recloop_next(&p.s, &type, &pl, &len)) ==
		    WIRE_OK) {
			if (got == 0) {
				CHECK(type == REC_STDIN && len == 1 &&
				    pl[0] == 'a');
			} else if (got == 1) {
				CHECK(type == REC_STDIN && len == sizeof(big)
				    && memcmp(pl, big, len) == 0);
			} else {
				CHECK(type == REC_BYE && len == 0);
				CHECK_EQ(i, total - 1);	/* only at the end */
			}
			got++;
		}
		CHECK_EQ(st, WIRE_INCOMPLETE);
	}
	CHECK_EQ(got, 3);
	CHECK_EQ(p.s.received, total);
	pair_close(&p);
}

/* Payloads written in place; an abandoned record leaves no trace. */
static void
test_reserve(void)
{
	struct pair	 p;
	uint8_t		*w, *pl, type;
	size_t		 len = WIRE_MAXPAYLOAD + 100, before;
	int		 clean = 1;

	CHECK_EQ(pair_open(&p), 0);
	w = recloop_reserve(&p.c, &len);
	CHECK(w != NULL);
	CHECK_EQ(len, WIRE_MAXPAYLOAD);		/* lowered to a record's */
	memset(w, 'x', 1000);
	CHECK_EQ(recloop_commit(&p.c, REC_STDIN, w, 1000), 0);
	before = recloop_pending(&p.c);
	CHECK_EQ(before, 1000 + WIRE_OVERHEAD);

	len = 500;
	w = recloop_reserve(&p.c, &len);
	CHECK(w != NULL && len == 500);
	memset(w, 's', 500);			/* a secret, then abandoned */
	recloop_abandon(&p.c);
	for (size_t i = 0; i < 500; i++) {
		clean &= w[i] == 0;
	}
	CHECK(clean);
	CHECK_EQ(recloop_pending(&p.c), before);

	len = 10;
	w = recloop_reserve(&p.c, &len);
	CHECK(w != NULL);
	CHECK_EQ(recloop_commit(&p.c, REC_STDIN, w, 11), -1);	/* > room */
	CHECK_EQ(recloop_pending(&p.c), before);
	/* Nothing reserved (the failure dropped it): nothing to seal. */
	CHECK_EQ(recloop_commit(&p.c, REC_STDIN, w, 0), -1);
	CHECK_EQ(recloop_pending(&p.c), before);

	len = 10;
	w = recloop_reserve(&p.c, &len);
	memcpy(w, "after", 5);
	CHECK_EQ(recloop_commit(&p.c, REC_STDIN, w, 5), 0);
	CHECK_EQ(recloop_flush(&p.c), 0);
	CHECK_EQ(next_filled(&p.s, &type, &pl, &len), WIRE_OK);
	CHECK(type == REC_STDIN && len == 1000 && pl[0] == 'x' &&
	    pl[999] == 'x');
	/* The abandoned record used no sequence number. */
	CHECK_EQ(next_filled(&p.s, &type, &pl, &len), WIRE_OK);
	CHECK(type == REC_STDIN && len == 5 && memcmp(pl, "after", 5) == 0);
	pair_close(&p);
}

/* A flipped bit: WIRE_BAD, a reason, and the loop stays broken. */
static void
test_bad_tag(void)
{
	struct pair	 p;
	uint8_t		*pl, type;
	size_t		 len;

	CHECK_EQ(pair_open(&p), 0);
	CHECK_EQ(recloop_send(&p.c, REC_STDIN, "hello", 5), 0);
	buf_data(&p.c.out)[recloop_pending(&p.c) - 1] ^= 0x01;
	CHECK_EQ(recloop_send(&p.c, REC_STDIN, "next", 4), 0);
	CHECK_EQ(recloop_flush(&p.c), 0);
	CHECK_EQ(next_filled(&p.s, &type, &pl, &len), WIRE_BAD);
	CHECK(pl == NULL && len == 0);
	CHECK(strstr(recloop_error(&p.s), "authenticate") != NULL);
	CHECK_EQ(recloop_next(&p.s, &type, &pl, &len), WIRE_BAD);
	pair_close(&p);
}

/* A length beyond the largest record is refused before it is read. */
static void
test_too_big(void)
{
	struct pair	 p;
	uint8_t		*pl, type, hdr[WIRE_HDRLEN];
	size_t		 len;

	CHECK_EQ(pair_open(&p), 0);
	wire_put32(hdr, WIRE_MAXSEALED + 1);
	CHECK_EQ(write(p.fd[0], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	CHECK_EQ(next_filled(&p.s, &type, &pl, &len), WIRE_TOOBIG);
	CHECK(strstr(recloop_error(&p.s), "out of bounds") != NULL);
	CHECK_EQ(recloop_next(&p.s, &type, &pl, &len), WIRE_TOOBIG);
	pair_close(&p);
}

/* A server's record sent to the server: authentic, still refused. */
static void
test_wrong_direction(void)
{
	struct pair	 p;
	uint8_t		*pl, type;
	size_t		 len;

	CHECK_EQ(pair_open(&p), 0);
	CHECK_EQ(recloop_send(&p.c, REC_STDOUT, "out", 3), 0);
	CHECK_EQ(recloop_flush(&p.c), 0);
	CHECK_EQ(next_filled(&p.s, &type, &pl, &len), WIRE_BAD);
	CHECK(pl == NULL);
	CHECK(strstr(recloop_error(&p.s), "type 0x82 with 3 bytes") != NULL);
	pair_close(&p);
}

/*
 * The server writes 64 KiB records in place while the client reads
 * nothing: the socket fills, then the queue up to its high-water mark,
 * where reserve says no.  Small records still go up to the queue's
 * maximum.  Once the client reads, everything arrives, in order.
 */
static void
test_back_pressure(void)
{
	struct pair	 p;
	uint8_t		*w, *pl, type, ping[8] = { 0 };
	size_t		 len, big = 0, small = 0, gotbig = 0, gotsmall = 0;

	CHECK_EQ(pair_open(&p), 0);
	for (;;) {
		len = WIRE_MAXPAYLOAD;
		if ((w = recloop_reserve(&p.s, &len)) == NULL) {
			break;
		}
		memset(w, (int)(big & 0xff), len);
		CHECK_EQ(recloop_commit(&p.s, REC_STDOUT, w, len), 0);
		big++;
		CHECK_EQ(recloop_flush(&p.s), 0);
		if (big > 1000) {
			break;		/* a peer that reads: a failure */
		}
	}
	CHECK(big < 1000);
	CHECK(!recloop_room(&p.s));
	CHECK(recloop_pending(&p.s) >= server_bounds.out_high);
	CHECK(recloop_events(&p.s) & POLLOUT);
	while (recloop_send(&p.s, REC_PONG, ping, sizeof(ping)) == 0) {
		small++;
	}
	CHECK(small > 0);
	CHECK(strstr(recloop_error(&p.s), "queue full") != NULL);
	CHECK(recloop_pending(&p.s) <= server_bounds.out_max);

	while (recloop_pending(&p.s) > 0 || gotbig + gotsmall < big + small) {
		enum wire_status st;

		CHECK_EQ(recloop_flush(&p.s), 0);
		if (recloop_fill(&p.c) == RECLOOP_EOF) {
			break;
		}
		while ((st = recloop_next(&p.c, &type, &pl, &len)) ==
		    WIRE_OK) {
			if (type == REC_STDOUT) {
				CHECK(len == WIRE_MAXPAYLOAD &&
				    pl[0] == (uint8_t)(gotbig & 0xff));
				gotbig++;
			} else {
				CHECK_EQ(type, REC_PONG);
				CHECK_EQ(gotbig, big);	/* after them all */
				gotsmall++;
			}
		}
		if (st != WIRE_INCOMPLETE) {
			CHECK_EQ(st, WIRE_INCOMPLETE);
			break;
		}
	}
	CHECK_EQ(gotbig, big);
	CHECK_EQ(gotsmall, small);
	CHECK(recloop_room(&p.s));
	CHECK_EQ(p.c.received, p.s.sent);
	pair_close(&p);
}

/* Before the keys: raw handshake bytes, and no records. */
static void
test_handshake_bytes(void)
{
	struct pair	 p;
	const uint8_t	*in;
	uint8_t		*pl, type;
	size_t		 have = 0, len;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, p.fd), 0);
	CHECK_EQ(recloop_init(&p.c, &client_bounds), 0);
	CHECK_EQ(recloop_init(&p.s, &server_bounds), 0);
	recloop_attach(&p.c, p.fd[0]);
	recloop_attach(&p.s, p.fd[1]);
	CHECK(!recloop_keyed(&p.c));
	CHECK_EQ(recloop_queue(&p.c, "RSH\1hello", 9), 0);
	CHECK_EQ(recloop_flush(&p.c), 0);
	CHECK_EQ(recloop_fill(&p.s), RECLOOP_DATA);
	CHECK_EQ(recloop_next(&p.s, &type, &pl, &len), WIRE_INCOMPLETE);
	in = recloop_peek(&p.s, &have);
	CHECK(have == 9 && memcmp(in, "RSH\1hello", 9) == 0);
	recloop_skip(&p.s, 4);
	in = recloop_peek(&p.s, &have);
	CHECK(have == 5 && memcmp(in, "hello", 5) == 0);
	CHECK_EQ(recloop_keys(&p.s, k_c2s, k_s2c), 0);
	CHECK_EQ(recloop_keys(&p.s, k_c2s, k_s2c), -1);	/* once */
	CHECK(recloop_keyed(&p.s));
	recloop_reset(&p.s);
	CHECK(!recloop_keyed(&p.s));
	CHECK_EQ(p.s.fd, -1);
	in = recloop_peek(&p.s, &have);
	CHECK_EQ(have, 0);
	pair_close(&p);
}

int
main(void)
{
	if (crypto_init() == -1) {
		return 1;
	}
	test_bounds();
	test_round_trip();
	test_byte_at_a_time();
	test_reserve();
	test_bad_tag();
	test_too_big();
	test_wrong_direction();
	test_back_pressure();
	test_handshake_bytes();
	return check_done("test_recloop");
}
