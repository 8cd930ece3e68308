/*
 * monitor_udp: UDP's open and seal in the privileged part, and the
 * tokens that bind a request's PREPARE and reply to the key that opened
 * it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keys.h"
#include "log.h"
#include "udp.h"
#include "wire.h"

#include "monitor_udp.h"
#include "policy.h"
#include "privmsg.h"
#include "snapshot.h"

/* A request opened here and not yet sealed or dropped. */
struct token {
	uint8_t		tok[PRIV_TOKENLEN];
	char		keyid[KEYS_MAXIDLEN + 1];
	unsigned long	gen;
	size_t		index;		/* the key's, in gen's keys */
	uint8_t		h[UDP_HDRMAX];	/* its header, for the reply's key */
	size_t		hlen;
	int		used;		/* 1: in the table */
	int		prepared;	/* PREPARE came */
};

static pthread_mutex_t	 tokens_lock = PTHREAD_MUTEX_INITIALIZER;
static struct token	*tokens;	/* guarded by tokens_lock */
static size_t		 ntokens;

int
monitor_udp_init(const struct snapshot *boot)
{
	/* Every request queued or running, and some that the receiver is
	 * still deciding about. */
	ntokens = (size_t)boot->conf.udp_queue +
	    (size_t)boot->conf.udp_workers + 16;
	tokens = calloc(ntokens, sizeof(*tokens));
	return tokens == NULL ? -1 : 0;
}

/* The entry of tok, with tokens_lock held; NULL if none. */
static struct token *
find(const uint8_t *tok)
{
	for (size_t i = 0; i < ntokens; i++) {
		if (tokens[i].used && crypto_memeq_ct(tokens[i].tok, tok,
		    PRIV_TOKENLEN) == 0) {
			return &tokens[i];
		}
	}
	return NULL;
}

/* A new entry for r, its token drawn: 0, or -1 when the table is full. */
static int
add(const struct udp_req *r, unsigned long gen, size_t index, uint8_t *tok)
{
	struct token	*t = NULL;
	int		 rc = -1;

	pthread_mutex_lock(&tokens_lock);
	for (size_t i = 0; i < ntokens && t == NULL; i++) {
		if (!tokens[i].used) {
			t = &tokens[i];
		}
	}
	if (t != NULL && r->hlen <= sizeof(t->h) &&
	    crypto_random(t->tok, PRIV_TOKENLEN) == 0) {
		memcpy(t->keyid, r->keyid, r->idlen);
		t->keyid[r->idlen] = '\0';
		t->gen = gen;
		t->index = index;
		memcpy(t->h, r->h, r->hlen);
		t->hlen = r->hlen;
		t->prepared = 0;
		t->used = 1;
		memcpy(tok, t->tok, PRIV_TOKENLEN);
		rc = 0;
	}
	pthread_mutex_unlock(&tokens_lock);
	return rc;
}

void
monitor_udp_open(const struct snapshot *snap, const struct priv_req *q,
    uint8_t *dgram, size_t len, struct priv_rep *r, uint8_t *out,
    size_t *outlen)
{
	const struct key	*key;
	struct udp_req		 req;

	r->rc = -1;
	*outlen = 0;
	if (udp_req_parse(dgram, len, &req) != WIRE_OK) {
		r->why = PRIV_UDP_UNKNOWN;	/* cannot be: it was parsed */
		return;
	}
	/* A key skipped for its options is as good as unknown; a name=
	 * key serves only the name the request was sealed for. */
	if ((key = keys_find_id(snap->keys, req.keyid, req.idlen, req.name,
	    req.namelen)) == NULL ||
	    policy_admit(snap->policy, key, &q->peer, WIRE_TCP) ==
	    POLICY_KEY_SKIPPED) {
		r->why = PRIV_UDP_UNKNOWN;
		return;
	}
	if (udp_req_open(&req, key->psk) != WIRE_OK) {
		r->why = PRIV_UDP_BADTAG;
		return;
	}
	if (add(&req, snap->gen, keys_index(snap->keys, key),
	    r->token) == -1) {
		crypto_wipe(req.payload, req.paylen);
		r->why = PRIV_UDP_FULL;
		return;
	}
	memcpy(out, req.payload, req.paylen);
	*outlen = req.paylen;
	crypto_wipe(req.payload, req.paylen);
	r->rc = 0;
}

int
monitor_udp_claim(const uint8_t token[PRIV_TOKENLEN], const char *keyid,
    unsigned long gen, size_t *index)
{
	struct token	*t;
	int		 rc = -1;

	pthread_mutex_lock(&tokens_lock);
	if ((t = find(token)) != NULL && !t->prepared && t->gen == gen &&
	    strcmp(t->keyid, keyid) == 0) {
		t->prepared = 1;
		*index = t->index;
		rc = 0;
	}
	pthread_mutex_unlock(&tokens_lock);
	return rc;
}

/* The token's entry, out of the table, into *copy: 0, or -1 if none. */
static int
take(const uint8_t *tok, struct token *copy)
{
	struct token	*t;
	int		 rc = -1;

	pthread_mutex_lock(&tokens_lock);
	if ((t = find(tok)) != NULL) {
		*copy = *t;
		memset(t, 0, sizeof(*t));
		rc = 0;
	}
	pthread_mutex_unlock(&tokens_lock);
	return rc;
}

void
monitor_udp_drop(const struct priv_req *q)
{
	struct token t;

	(void)take(q->token, &t);
}

void
monitor_udp_seal(const struct priv_req *q, const uint8_t *pay, size_t len,
    struct priv_rep *r, uint8_t *out, size_t *outlen)
{
	struct priv_seal	 s;
	struct token		 t;
	struct udp_reply	 rep;
	struct udp_req		 req;
	const struct key	*key;
	struct snapshot		*snap = NULL;
	uint8_t			 nr[UDP_NRLEN];
	long			 n;

	r->rc = -1;
	*outlen = 0;
	memcpy(&s, pay, sizeof(s));
	if (len - sizeof(s) < s.olen || len - sizeof(s) - s.olen != s.elen) {
		log_err("a malformed reply from the network part; refused");
		return;
	}
	if (take(q->token, &t) == -1) {
		log_err("asked to seal a UDP reply for no request open; "
		    "refused");
		return;
	}
	if ((snap = monitor_gen_hold(t.gen)) == NULL ||
	    (key = keys_at(snap->keys, t.index)) == NULL ||
	    strcmp(key->id, t.keyid) != 0) {
		log_err("asked to seal a UDP reply for key '%s', which "
		    "configuration %lu does not hold", t.keyid, t.gen);
		goto out;
	}
	/* What udp_rep_build reads of a request: N and H. */
	memset(&req, 0, sizeof(req));
	req.h = t.h;
	req.hlen = t.hlen;
	req.n = t.h + t.hlen - (UDP_NLEN + 8 + 2);
	memset(&rep, 0, sizeof(rep));
	rep.how = s.how;
	rep.code = s.code;
	rep.flags = s.flags;
	rep.out = pay + sizeof(s);
	rep.olen = s.olen;
	rep.err = pay + sizeof(s) + s.olen;
	rep.elen = s.elen;
	if (crypto_random(nr, sizeof(nr)) == -1 ||
	    (n = udp_rep_build(out, UDP_MAXV6, &req, key->psk, nr,
	    &rep)) == -1) {
		goto out;
	}
	*outlen = (size_t)n;
	r->rc = 0;
out:
	snapshot_put(snap);
}
