/*
 * conn_hs: the client's side of the handshake on a connection: S1 (or a
 * refusal, retried when busy and asked to), C1 with the first EXEC, S2.
 * The pure state machine is lib/handshake.c; this is its I/O and words.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "handshake.h"
#include "log.h"
#include "netio.h"
#include "recloop.h"
#include "wire.h"

#include "conn.h"
#include "conn_int.h"
#include "sink.h"

#define RETRY_FIRST_MS	1000
#define RETRY_MAX_MS	8000

static const char *
refusal_reason(uint8_t reason, char *buf, size_t len)
{
	switch (reason) {
	case HS_REFUSE_BUSY: return "busy";
	case HS_REFUSE_ADDR: return "address not allowed";
	case HS_REFUSE_SHUTDOWN: return "shutting down";
	default:
		snprintf(buf, len, "reason %u", reason);
		return buf;
	}
}

int
conn_hs_retry(struct conn *c, const char *why)
{
	int wait;

	if (c->attempt >= c->p.retries) {
		return 0;
	}
	wait = RETRY_FIRST_MS << (c->attempt < 5 ? c->attempt : 5);
	wait = wait < RETRY_MAX_MS ? wait : RETRY_MAX_MS;
	/* Clients refused together must not all come back together. */
	wait = wait / 2 + (int)arc4random_uniform((uint32_t)wait);
	c->attempt++;
	sink_msg(c->sink, SINK_WARN, "%s; retry %d of %d in %d ms", why,
	    c->attempt, c->p.retries, wait);
	conn_close_socket(c);
	c->state = ST_RETRY;
	c->retry_at = netio_now_ms() + wait;
	return 1;
}

/* A refusal before the handshake; "busy" is retried when asked to. */
static void
refused(struct conn *c, const struct hs_refusal *ref)
{
	char	vis[1024], num[32], why[1100];

	log_vis(vis, sizeof(vis), ref->text, strlen(ref->text));
	snprintf(why, sizeof(why), "busy%s%s", vis[0] ? ": " : "", vis);
	if (ref->reason == HS_REFUSE_BUSY && conn_hs_retry(c, why)) {
		return;
	}
	conn_fail(c, RSH_EXIT_FAILURE, 1, "%s refused the connection: %s%s%s",
	    c->sink->display, refusal_reason(ref->reason, num, sizeof(num)),
	    vis[0] ? ": " : "", vis);
}

/* S1 is in: C1 (and the EXEC, if one waits) leave in one write. */
static void
send_c1(struct conn *c)
{
	struct hs_keys			 keys;
	struct crypto_x25519_key	*xkey = c->xkey;

	/* hs_client_init takes the key over, and frees it, on every path. */
	c->xkey = NULL;
	if (hs_client_init(&c->hs, c->p.key->psk, c->p.key->id, c->p.name,
	    c->prepared ? c->nc : NULL, xkey, &keys) == -1) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s",
		    "handshake failed (bad server key share)");
		return;
	}
	if (recloop_keys(&c->rl, keys.s2c, keys.c2s) == -1) {
		crypto_wipe(&keys, sizeof(keys));
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", "out of memory");
		return;
	}
	crypto_wipe(&keys, sizeof(keys));
	if (recloop_queue(&c->rl, c->hs.c1, c->hs.c1len) == -1) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", "out of memory");
		return;
	}
	c->state = ST_S2;
	if (c->execlen > 0) {
		(void)conn_send(c, REC_EXEC, c->exec, c->execlen);
		c->execlen = 0;
	} else {
		(void)conn_flush(c);
	}
}

static int
read_s1(struct conn *c)
{
	struct hs_refusal	 ref;
	const uint8_t		*p;
	size_t			 have, used;

	p = recloop_peek(&c->rl, &have);
	switch (hs_client_read_s1(&c->hs, p, have, &used, &ref)) {
	case WIRE_OK:
		recloop_skip(&c->rl, used);
		send_c1(c);
		return c->state == ST_S2 ? 0 : -1;
	case WIRE_TOOBIG:
		refused(c, &ref);
		return -1;
	case WIRE_BAD:
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", "protocol mismatch: "
		    "not an rsh protocol 1 server");
		return -1;
	default:
		return -1;
	}
}

void
conn_hs_refused(struct conn *c, uint8_t status)
{
	char vis[4 * HS_MAXNAMELEN + 1];

	if (status == HS_ADDR_DENIED) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "key '%s' may not be used "
		    "from this address", c->p.key->id);
	} else if (status == HS_BAD_NAME) {
		conn_fail(c, RSH_EXIT_FAILURE, 1, "server %s does not answer "
		    "to the name '%s'", c->sink->display, log_vis(vis,
		    sizeof(vis), c->p.name, strlen(c->p.name)));
		sink_hint(c->sink, SINK_HINT_NAME);
	} else {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "authentication failed for "
		    "key '%s'", c->p.key->id);
		sink_hint(c->sink, SINK_HINT_AUTH);
	}
}

static int
read_s2(struct conn *c)
{
	const uint8_t	*p;
	size_t		 have, used;
	uint8_t		 status;

	p = recloop_peek(&c->rl, &have);
	switch (hs_client_read_s2(&c->hs, p, have, &used, &status)) {
	case WIRE_OK:
		recloop_skip(&c->rl, used);
		hs_client_clear(&c->hs);
		c->state = ST_OPEN;
		c->deadline = 0;
		c->alive_at = netio_now_ms() + c->p.alive_ms;
		sink_msg(c->sink, SINK_INFO, "handshake done at %.1f ms "
		    "(key '%s', server name '%s')", conn_ms_since(c->t0_us),
		    c->p.key->id, c->p.name);
		return 0;
	case WIRE_BAD:
		conn_fail(c, RSH_EXIT_FAILURE, 0, "the server did not prove "
		    "it holds key '%s'; closing", c->p.key->id);
		return -1;
	case WIRE_TOOBIG:
		conn_hs_refused(c, status);
		return -1;
	default:
		return -1;
	}
}

int
conn_hs_input(struct conn *c)
{
	if (c->state == ST_S1 && read_s1(c) == -1) {
		return -1;
	}
	if (c->state == ST_S2 && read_s2(c) == -1) {
		return -1;
	}
	return 0;
}
