/*
 * wire: records (protocol-v1.md, "TCP: records") and the per-direction
 * type and size rules.  The EXEC TLV codec is in wire_exec.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "wire.h"

struct wire_dir {
	struct crypto_aead	*aead;
	uint8_t			 key[CRYPTO_KEYLEN];
	uint64_t		 seq;		/* the next record's */
	int			 rekeyed;	/* key updated for seq */
	int			 spent;		/* seq 2^64-1 used: no more */
};

/* Payload sizes a record type allows, in one direction. */
struct rec_rule {
	uint8_t		type;
	uint32_t	min, max;
};

static const struct rec_rule c2s_rules[] = {
	{ REC_EXEC, 1, WIRE_MAXPAYLOAD },
	{ REC_STDIN, 1, WIRE_MAXPAYLOAD },
	{ REC_STDIN_EOF, 0, 0 },
	{ REC_SIGNAL, 1, 1 },
	{ REC_WINCH, 4, 4 },
	{ REC_PING, 0, 64 },
	{ REC_BYE, 0, 0 },
	{ REC_PAD_C, 0, WIRE_MAXPAYLOAD }
};

static const struct rec_rule s2c_rules[] = {
	{ REC_STARTED, 8, 8 },
	{ REC_STDOUT, 1, WIRE_MAXPAYLOAD },
	{ REC_STDERR, 1, WIRE_MAXPAYLOAD },
	{ REC_EXIT, 10, 10 },
	{ REC_WINDOW, 4, 4 },
	{ REC_ERROR, 2, 2 + WIRE_MAXERRTEXT },
	{ REC_PONG, 0, 64 },
	{ REC_PAD_S, 0, WIRE_MAXPAYLOAD }
};

void
wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
wire_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
wire_put64(uint8_t *p, uint64_t v)
{
	wire_put32(p, (uint32_t)(v >> 32));
	wire_put32(p + 4, (uint32_t)v);
}

uint16_t
wire_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint32_t
wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

uint64_t
wire_get64(const uint8_t *p)
{
	return (uint64_t)wire_get32(p) << 32 | wire_get32(p + 4);
}

struct wire_dir *
wire_dir_new(const uint8_t key[CRYPTO_KEYLEN], uint64_t seq, int encrypt)
{
	struct wire_dir	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		return NULL;
	}
	if ((d->aead = crypto_aead_new(key, encrypt)) == NULL) {
		free(d);
		return NULL;
	}
	memcpy(d->key, key, CRYPTO_KEYLEN);
	d->seq = seq;
	return d;
}

void
wire_dir_free(struct wire_dir *d)
{
	if (d == NULL) {
		return;
	}
	crypto_aead_free(d->aead);
	crypto_wipe(d, sizeof(*d));
	free(d);
}

/*
 * Makes d ready for the record numbered d->seq: refuses once the sequence
 * is used up, and updates the key before each non-zero multiple of 2^24.
 * The update is done when the record is handled rather than when the
 * sequence advances, so that a direction made for seq 2^24 with the old
 * key (tests) behaves as one that counted up to it.
 */
static int
dir_ready(struct wire_dir *d)
{
	static const uint8_t	 one = 0x01;
	const struct crypto_part parts[] = {
		{ "rsh/1 next", 10 }, { &one, 1 }
	};
	uint8_t			 next[CRYPTO_KEYLEN];
	int			 rc = -1;

	if (d->spent) {
		goto err0;
	}
	if (d->seq == 0 || d->seq % WIRE_REKEY_EVERY != 0 || d->rekeyed) {
		return 0;
	}
	if (crypto_hmac(next, d->key, CRYPTO_KEYLEN, parts, 2) == -1 ||
	    crypto_aead_rekey(d->aead, next) == -1) {
		goto err1;
	}
	memcpy(d->key, next, CRYPTO_KEYLEN);
	d->rekeyed = 1;
	rc = 0;
err1:
	crypto_wipe(next, sizeof(next));
err0:
	return rc;
}

/* Moves to the next record; the sequence number never wraps. */
static void
dir_advance(struct wire_dir *d)
{
	if (d->seq == UINT64_MAX) {
		d->spent = 1;
	} else {
		d->seq++;
	}
	d->rekeyed = 0;
}

static void
dir_nonce(const struct wire_dir *d, uint8_t nonce[CRYPTO_NONCELEN])
{
	wire_put32(nonce, 0);
	wire_put64(nonce + 4, d->seq);
}

long
wire_seal(struct wire_dir *d, uint8_t type, uint8_t *rec, size_t len)
{
	uint8_t	nonce[CRYPTO_NONCELEN];

	if (len > WIRE_MAXPAYLOAD || dir_ready(d) == -1) {
		return -1;
	}
	wire_put32(rec, (uint32_t)(1 + len + CRYPTO_TAGLEN));
	rec[WIRE_HDRLEN] = type;
	dir_nonce(d, nonce);
	if (crypto_aead_seal(d->aead, nonce, rec, WIRE_HDRLEN,
	    rec + WIRE_HDRLEN, 1 + len, rec + WIRE_PAYLOADOFF + len) == -1) {
		return -1;
	}
	dir_advance(d);
	return (long)(len + WIRE_OVERHEAD);
}

enum wire_status
wire_open(struct wire_dir *d, uint8_t *buf, size_t have, size_t *used,
    uint8_t *type, uint8_t **payload, size_t *len)
{
	uint8_t		nonce[CRYPTO_NONCELEN];
	uint32_t	n;

	if (have < WIRE_HDRLEN) {
		return WIRE_INCOMPLETE;
	}
	n = wire_get32(buf);
	if (n < WIRE_MINSEALED || n > WIRE_MAXSEALED) {
		return WIRE_TOOBIG;
	}
	if (have - WIRE_HDRLEN < n) {
		return WIRE_INCOMPLETE;
	}
	if (dir_ready(d) == -1) {
		return WIRE_BAD;
	}
	dir_nonce(d, nonce);
	if (crypto_aead_open(d->aead, nonce, buf, WIRE_HDRLEN,
	    buf + WIRE_HDRLEN, n - CRYPTO_TAGLEN,
	    buf + WIRE_HDRLEN + n - CRYPTO_TAGLEN) == -1) {
		return WIRE_BAD;
	}
	dir_advance(d);
	*used = WIRE_HDRLEN + (size_t)n;
	*type = buf[WIRE_HDRLEN];
	*payload = buf + WIRE_PAYLOADOFF;
	*len = n - WIRE_MINSEALED;
	return WIRE_OK;
}

static enum wire_status
check_rules(const struct rec_rule *rules, size_t nrules, uint8_t type,
    size_t len)
{
	size_t	i;

	for (i = 0; i < nrules; i++) {
		if (rules[i].type == type) {
			return len >= rules[i].min && len <= rules[i].max ?
			    WIRE_OK : WIRE_BAD;
		}
	}
	return WIRE_BAD;
}

enum wire_status
wire_check_c2s(uint8_t type, size_t len)
{
	return check_rules(c2s_rules, sizeof(c2s_rules) / sizeof(c2s_rules[0]),
	    type, len);
}

enum wire_status
wire_check_s2c(uint8_t type, size_t len)
{
	return check_rules(s2c_rules, sizeof(s2c_rules) / sizeof(s2c_rules[0]),
	    type, len);
}
