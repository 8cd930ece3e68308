/*
 * handshake: both sides of the TCP handshake (protocol-v1.md, "TCP:
 * handshake") as pure state machines over byte buffers, so that they are
 * testable without a network.  No sockets, no printing.
 *
 * Server:  hs_server_init -> S1 out -> hs_server_read_c1 (C1 in)
 *          -> hs_server_verify(psk or NULL) -> hs_server_finish -> S2 out
 * Client:  hs_client_read_s1 (S1 in) -> hs_client_init ... -> C1 out,
 *          session keys known at once -> hs_client_read_s2 (S2 in)
 *
 * Both structs hold secrets: hs_*_clear() wipes them; call it on every
 * path once the session keys are copied out.  Each side's ephemeral X25519
 * key may be made ahead of time (crypto_x25519_new) and handed to its
 * init, which takes it over; it is freed as soon as the session keys are
 * derived, or by hs_*_clear().
 */
#ifndef RSH_HANDSHAKE_H
#define RSH_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "wire.h"

#define HS_MAGIC	"RSH"
#define HS_VERSION	0x01
#define HS_S1LEN	68
#define HS_S2LEN	33			/* status || Ts */
#define HS_NONCELEN	32			/* Ns, Nc */
#define HS_MAXIDLEN	64
#define HS_MAXNAMELEN	255
#define HS_C1MAX	(4 + 1 + HS_MAXIDLEN + 1 + HS_MAXNAMELEN + 96)
#define HS_REFUSALMAX	(6 + 255)

/* S2 status values. */
enum {
	HS_OK = 0, HS_AUTH_FAILED = 1, HS_ADDR_DENIED = 2, HS_BAD_NAME = 3
};

/* Refusal reasons (before any handshake). */
enum { HS_REFUSE_BUSY = 1, HS_REFUSE_ADDR = 2, HS_REFUSE_SHUTDOWN = 3 };

/* The two session keys a handshake yields. */
struct hs_keys {
	uint8_t	c2s[CRYPTO_KEYLEN];
	uint8_t	s2c[CRYPTO_KEYLEN];
};

struct hs_server {
	uint8_t		s1[HS_S1LEN];
	struct crypto_x25519_key *key;		/* until finish */
	uint8_t		c1[HS_C1MAX];
	size_t		c1len;
	char		keyid[HS_MAXIDLEN + 1];		/* NUL terminated */
	char		name[HS_MAXNAMELEN + 1];	/* NUL terminated, raw */
	size_t		namelen;
	uint8_t		psk[CRYPTO_KEYLEN];		/* after verify */
	int		verified;
};

/*
 * Makes S1 in hs->s1 with the nonce ns and the X25519 key key, each made
 * fresh here when NULL (ns is given by tests, key by tests and by a server
 * that makes keys ahead of time).  hs takes key over, whatever the result:
 * the caller must not use or free it afterwards.  Returns 0 or -1.
 */
int	hs_server_init(struct hs_server *hs, const uint8_t *ns,
	    struct crypto_x25519_key *key);

/*
 * Parses C1 from buf[0..have).  WIRE_INCOMPLETE: need more bytes (*used
 * untouched); WIRE_BAD: wrong magic or version, idlen outside 1..64, a key
 * id byte outside [A-Za-z0-9._@-], namelen 0: close with no S2.  On
 * WIRE_OK *used is C1's length and keyid, name, namelen are set.
 * The name is not canonicalized: the server compares it as bytes (a name
 * with a NUL byte can never match).
 */
enum wire_status hs_server_read_c1(struct hs_server *hs, const uint8_t *buf,
	    size_t have, size_t *used);

/*
 * Checks Tc with psk, or with a random dummy key when psk is NULL (unknown
 * key id), doing the same work either way.  Returns 0 when Tc is valid.
 */
int	hs_server_verify(struct hs_server *hs, const uint8_t *psk);

/*
 * Writes S2 with status into out (33 bytes for HS_OK, 1 otherwise) and
 * returns its length.  For HS_OK (only after a successful verify, once)
 * also derives the session keys into *keys.  Frees the X25519 key in any
 * case.  Returns -1 on failure (e.g. an all-zero X25519 result).
 */
long	hs_server_finish(struct hs_server *hs, uint8_t status,
	    uint8_t out[HS_S2LEN], struct hs_keys *keys);

/*
 * A server split in two (rshd: the network part holds the X25519 key, its
 * privileged part the PSKs):
 *
 * Network part:     hs_server_init -> S1 out -> hs_server_read_c1 (C1 in)
 *                   -> hs_server_dh: the shared secret, the key freed
 * Privileged part:  hs_server_resume (S1) -> hs_server_read_c1 (the same
 *                   C1) -> hs_server_verify -> hs_server_finish_dh (dh)
 *
 * The two yield byte for byte the S2 and session keys hs_server_finish
 * does.
 */

/*
 * Computes the X25519 shared secret of hs's key and C1's Pc into dh (a
 * secret: the caller wipes it) and frees the key, whatever the result.
 * Returns 0, or -1 (no key, no C1 yet, an all-zero result) with dh wiped.
 */
int	hs_server_dh(struct hs_server *hs, uint8_t dh[CRYPTO_KEYLEN]);

/*
 * Sets hs up, with no X25519 key, as the server that sent S1 s1, for
 * hs_server_read_c1, hs_server_verify and hs_server_finish_dh.  Returns
 * 0, or -1 when s1 is no S1 of this version.
 */
int	hs_server_resume(struct hs_server *hs, const uint8_t s1[HS_S1LEN]);

/*
 * As hs_server_finish, with the shared secret dh (hs_server_dh's, may be
 * NULL unless status is HS_OK) in place of hs's own X25519 key.  A
 * successful verify yields one set of keys.
 */
long	hs_server_finish_dh(struct hs_server *hs, uint8_t status,
	    const uint8_t dh[CRYPTO_KEYLEN], uint8_t out[HS_S2LEN],
	    struct hs_keys *keys);

/* Frees the X25519 key if hs still has one and wipes every secret in hs. */
void	hs_server_clear(struct hs_server *hs);

struct hs_client {
	uint8_t		s1[HS_S1LEN];
	uint8_t		c1[HS_C1MAX];
	size_t		c1len;
	uint8_t		s2[HS_S2LEN];		/* the S2 we expect */
};

/* What a server's refusal said. */
struct hs_refusal {
	uint8_t	reason;
	char	text[256];	/* raw bytes, NUL terminated; escape to print */
};

/*
 * Parses the server's first bytes from buf[0..have).  WIRE_INCOMPLETE:
 * need more; WIRE_BAD: not "RSH" followed by 0x01 or 0x00 (a protocol or
 * version mismatch); WIRE_TOOBIG: a refusal, *ref filled in; WIRE_OK:
 * hs reset and S1 copied into hs->s1.  *used is set on OK and TOOBIG.
 */
enum wire_status hs_client_read_s1(struct hs_client *hs, const uint8_t *buf,
	    size_t have, size_t *used, struct hs_refusal *ref);

/*
 * After S1: makes C1 in hs->c1 for keyid and the canonical server name,
 * with the nonce nc and the X25519 key key, each made fresh here when NULL
 * (a client makes both while it connects; tests use fixed ones), computes
 * the S2 the server must send and derives the session keys into *keys (so
 * records can follow C1 at once).  Takes key over and frees it before it
 * returns, whatever the result: the caller must not use or free it
 * afterwards.  Returns 0, or -1 (bad id or name length, no S1 yet, crypto
 * failure, all-zero X25519 result).
 */
int	hs_client_init(struct hs_client *hs, const uint8_t psk[CRYPTO_KEYLEN],
	    const char *keyid, const char *name, const uint8_t *nc,
	    struct crypto_x25519_key *key, struct hs_keys *keys);

/*
 * Parses S2 from buf[0..have).  WIRE_INCOMPLETE: need more; WIRE_OK: status
 * 0 and Ts valid; WIRE_BAD: status 0 with a wrong Ts (the server does not
 * hold the key); WIRE_TOOBIG: a non-zero status, in *status.  *used is set
 * except on WIRE_INCOMPLETE.
 */
enum wire_status hs_client_read_s2(struct hs_client *hs, const uint8_t *buf,
	    size_t have, size_t *used, uint8_t *status);

/* Wipes every secret in hs. */
void	hs_client_clear(struct hs_client *hs);

#endif
