/*
 * handshake: both sides of the TCP handshake (protocol-v1.md, "TCP:
 * handshake") over byte buffers.
 *
 * The parsers reject a bad prefix as soon as its bytes arrive, so garbage
 * closes a connection at once instead of at the authentication timeout.
 */
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "handshake.h"
#include "keys.h"
#include "wire.h"

#define HS_C1TAIL	(HS_NONCELEN + CRYPTO_KEYLEN + CRYPTO_MACLEN)
#define HS_PSOFF	(4 + HS_NONCELEN)	/* Ps in S1 */

static const uint8_t	hs_hello[4] = { 'R', 'S', 'H', HS_VERSION };

/* 1 when the bytes of buf[0..have) seen so far agree with want[0..n). */
static int
prefix_ok(const uint8_t *buf, size_t have, const uint8_t *want, size_t n)
{
	size_t	i;

	for (i = 0; i < have && i < n; i++) {
		if (buf[i] != want[i]) {
			return 0;
		}
	}
	return 1;
}

/* Tc and Ts: HMAC(psk, label || S1 || c1[0..c1len)). */
static int
hs_mac(uint8_t out[CRYPTO_MACLEN], const uint8_t *psk, const char *label,
    const uint8_t *s1, const uint8_t *c1, size_t c1len)
{
	const struct crypto_part parts[] = {
		{ label, strlen(label) }, { s1, HS_S1LEN }, { c1, c1len }
	};

	return crypto_hmac(out, psk, CRYPTO_KEYLEN, parts, 3);
}

/* k = HMAC(prk, label || th || 0x01): HKDF-Expand with L = 32. */
static int
hs_expand(uint8_t out[CRYPTO_KEYLEN], const uint8_t prk[CRYPTO_MACLEN],
    const char *label, const uint8_t th[CRYPTO_MACLEN])
{
	static const uint8_t	 one = 0x01;
	const struct crypto_part parts[] = {
		{ label, strlen(label) }, { th, CRYPTO_MACLEN }, { &one, 1 }
	};

	return crypto_hmac(out, prk, CRYPTO_MACLEN, parts, 3);
}

/* The session keys, from the X25519 shared secret dh and S1..S2. */
static int
hs_derive_dh(struct hs_keys *keys, const uint8_t psk[CRYPTO_KEYLEN],
    const uint8_t dh[CRYPTO_KEYLEN], const uint8_t *s1, const uint8_t *c1,
    size_t c1len, const uint8_t s2[HS_S2LEN])
{
	const struct crypto_part transcript[] = {
		{ s1, HS_S1LEN }, { c1, c1len }, { s2, HS_S2LEN }
	};
	const struct crypto_part ikm = { dh, CRYPTO_KEYLEN };
	uint8_t			 th[CRYPTO_MACLEN], prk[CRYPTO_MACLEN];
	int			 rc = -1;

	if (crypto_sha256(th, transcript, 3) == -1 ||
	    crypto_hmac(prk, psk, CRYPTO_KEYLEN, &ikm, 1) == -1 ||
	    hs_expand(keys->c2s, prk, "rsh/1 c2s", th) == -1 ||
	    hs_expand(keys->s2c, prk, "rsh/1 s2c", th) == -1) {
		goto err;
	}
	rc = 0;
err:
	crypto_wipe(prk, sizeof(prk));
	if (rc == -1) {
		crypto_wipe(keys, sizeof(*keys));
	}
	return rc;
}

/* The session keys, from own X25519 key, the peer's public key and S1..S2. */
static int
hs_derive(struct hs_keys *keys, const uint8_t psk[CRYPTO_KEYLEN],
    const struct crypto_x25519_key *own, const uint8_t peer[CRYPTO_KEYLEN],
    const uint8_t *s1, const uint8_t *c1, size_t c1len,
    const uint8_t s2[HS_S2LEN])
{
	uint8_t	dh[CRYPTO_KEYLEN];
	int	rc = -1;

	if (crypto_x25519_derive(own, peer, dh) == 0) {
		rc = hs_derive_dh(keys, psk, dh, s1, c1, c1len, s2);
	} else {
		crypto_wipe(keys, sizeof(*keys));
	}
	crypto_wipe(dh, sizeof(dh));
	return rc;
}

int
hs_server_init(struct hs_server *hs, const uint8_t *ns,
    struct crypto_x25519_key *key)
{
	uint8_t	*s1;

	memset(hs, 0, sizeof(*hs));
	/* Ours from here on: every failure below frees it. */
	hs->key = key;
	s1 = hs->s1;
	memcpy(s1, hs_hello, sizeof(hs_hello));
	if (ns != NULL) {
		memcpy(s1 + 4, ns, HS_NONCELEN);
	} else if (crypto_random(s1 + 4, HS_NONCELEN) == -1) {
		goto err;
	}
	if (hs->key == NULL && (hs->key = crypto_x25519_new(NULL)) == NULL) {
		goto err;
	}
	memcpy(s1 + HS_PSOFF, crypto_x25519_pub(hs->key), CRYPTO_KEYLEN);
	return 0;
err:
	hs_server_clear(hs);
	return -1;
}

enum wire_status
hs_server_read_c1(struct hs_server *hs, const uint8_t *buf, size_t have,
    size_t *used)
{
	size_t	idlen, namelen, need, seen;

	if (!prefix_ok(buf, have, hs_hello, sizeof(hs_hello))) {
		return WIRE_BAD;
	}
	if (have < 5) {
		return WIRE_INCOMPLETE;
	}
	idlen = buf[4];
	if (idlen < 1 || idlen > HS_MAXIDLEN) {
		return WIRE_BAD;
	}
	seen = have - 5 < idlen ? have - 5 : idlen;
	if (seen > 0 && !keys_id_valid(buf + 5, seen)) {
		return WIRE_BAD;
	}
	if (have - 5 <= idlen) {
		return WIRE_INCOMPLETE;
	}
	if ((namelen = buf[5 + idlen]) == 0) {
		return WIRE_BAD;
	}
	need = 5 + idlen + 1 + namelen + HS_C1TAIL;
	if (have < need) {
		return WIRE_INCOMPLETE;
	}
	memcpy(hs->c1, buf, need);
	hs->c1len = need;
	memcpy(hs->keyid, buf + 5, idlen);
	hs->keyid[idlen] = '\0';
	memcpy(hs->name, buf + 6 + idlen, namelen);
	hs->name[namelen] = '\0';
	hs->namelen = namelen;
	hs->verified = 0;
	*used = need;
	return WIRE_OK;
}

int
hs_server_verify(struct hs_server *hs, const uint8_t *psk)
{
	uint8_t		 dummy[CRYPTO_KEYLEN], tc[CRYPTO_MACLEN];
	const uint8_t	*key;
	int		 ok, rc = -1;

	hs->verified = 0;
	/* The dummy is drawn either way, so both paths cost the same. */
	if (hs->c1len < HS_C1TAIL || crypto_random(dummy, sizeof(dummy)) ==
	    -1) {
		goto err0;
	}
	key = psk != NULL ? psk : dummy;
	if (hs_mac(tc, key, "rsh/1 client", hs->s1, hs->c1,
	    hs->c1len - CRYPTO_MACLEN) == -1) {
		goto err1;
	}
	ok = crypto_memeq_ct(tc, hs->c1 + hs->c1len - CRYPTO_MACLEN,
	    CRYPTO_MACLEN) == 0;
	memcpy(hs->psk, key, CRYPTO_KEYLEN);
	/* Even a dummy that happened to match authenticates nobody. */
	hs->verified = ok && psk != NULL;
	rc = hs->verified ? 0 : -1;
err1:
	crypto_wipe(tc, sizeof(tc));
	crypto_wipe(dummy, sizeof(dummy));
err0:
	return rc;
}

int
hs_server_resume(struct hs_server *hs, const uint8_t s1[HS_S1LEN])
{
	memset(hs, 0, sizeof(*hs));
	if (memcmp(s1, hs_hello, sizeof(hs_hello)) != 0) {
		return -1;
	}
	memcpy(hs->s1, s1, HS_S1LEN);
	return 0;
}

int
hs_server_dh(struct hs_server *hs, uint8_t dh[CRYPTO_KEYLEN])
{
	int rc = -1;

	/* Pc is C1's, so there is nothing to derive before C1. */
	if (hs->key != NULL && hs->c1len >= HS_C1TAIL) {
		rc = crypto_x25519_derive(hs->key, hs->c1 + hs->c1len -
		    HS_C1TAIL + HS_NONCELEN, dh);
	}
	if (rc == -1) {
		crypto_wipe(dh, CRYPTO_KEYLEN);
	}
	/* One handshake, one use of the ephemeral key. */
	crypto_x25519_free(hs->key);
	hs->key = NULL;
	return rc;
}

long
hs_server_finish_dh(struct hs_server *hs, uint8_t status,
    const uint8_t dh[CRYPTO_KEYLEN], uint8_t out[HS_S2LEN],
    struct hs_keys *keys)
{
	const uint8_t	*c1 = hs->c1;
	size_t		 c1len = hs->c1len;

	/* Only a client that proved the key may learn more than "failed". */
	if (status > HS_BAD_NAME ||
	    (status != HS_AUTH_FAILED && !hs->verified)) {
		return -1;
	}
	out[0] = status;
	if (status != HS_OK) {
		return 1;
	}
	/* A proof is good for one set of keys. */
	hs->verified = 0;
	if (dh == NULL ||
	    hs_mac(out + 1, hs->psk, "rsh/1 server", hs->s1, c1, c1len) ==
	    -1 || hs_derive_dh(keys, hs->psk, dh, hs->s1, c1, c1len, out) ==
	    -1) {
		return -1;
	}
	return HS_S2LEN;
}

long
hs_server_finish(struct hs_server *hs, uint8_t status, uint8_t out[HS_S2LEN],
    struct hs_keys *keys)
{
	uint8_t	dh[CRYPTO_KEYLEN];
	long	rc = -1;

	/* The key is gone after a first HS_OK: no second set of keys. */
	if (status == HS_OK && hs_server_dh(hs, dh) == -1) {
		goto out;
	}
	rc = hs_server_finish_dh(hs, status, status == HS_OK ? dh : NULL,
	    out, keys);
out:
	crypto_wipe(dh, sizeof(dh));
	crypto_x25519_free(hs->key);
	hs->key = NULL;
	return rc;
}

void
hs_server_clear(struct hs_server *hs)
{
	crypto_x25519_free(hs->key);
	crypto_wipe(hs, sizeof(*hs));
}

enum wire_status
hs_client_read_s1(struct hs_client *hs, const uint8_t *buf, size_t have,
    size_t *used, struct hs_refusal *ref)
{
	size_t	n;

	if (!prefix_ok(buf, have, hs_hello, 3)) {
		return WIRE_BAD;
	}
	if (have < 4) {
		return WIRE_INCOMPLETE;
	}
	if (buf[3] == HS_VERSION) {
		if (have < HS_S1LEN) {
			return WIRE_INCOMPLETE;
		}
		memset(hs, 0, sizeof(*hs));
		memcpy(hs->s1, buf, HS_S1LEN);
		*used = HS_S1LEN;
		return WIRE_OK;
	}
	/* "RSH" 0x00 reason n text[n]: refused before any handshake. */
	if (buf[3] != 0x00) {
		return WIRE_BAD;
	}
	if (have < 6) {
		return WIRE_INCOMPLETE;
	}
	n = buf[5];
	if (have - 6 < n) {
		return WIRE_INCOMPLETE;
	}
	ref->reason = buf[4];
	memcpy(ref->text, buf + 6, n);
	ref->text[n] = '\0';
	*used = 6 + n;
	return WIRE_TOOBIG;
}

/* Appends C1's key id and name fields at c, returning their length. */
static size_t
c1_names(uint8_t *c, const char *keyid, size_t idlen, const char *name,
    size_t namelen)
{
	c[0] = (uint8_t)idlen;
	memcpy(c + 1, keyid, idlen);
	c[1 + idlen] = (uint8_t)namelen;
	memcpy(c + 2 + idlen, name, namelen);
	return 2 + idlen + namelen;
}

int
hs_client_init(struct hs_client *hs, const uint8_t psk[CRYPTO_KEYLEN],
    const char *keyid, const char *name, const uint8_t *nc,
    struct crypto_x25519_key *key, struct hs_keys *keys)
{
	uint8_t	*c = hs->c1;
	size_t	 idlen = strlen(keyid), namelen = strlen(name), off;
	int	 rc = -1;

	if (!keys_id_valid(keyid, idlen) || namelen < 1 ||
	    namelen > HS_MAXNAMELEN || memcmp(hs->s1, hs_hello, 4) != 0) {
		goto err0;
	}
	memcpy(c, hs_hello, sizeof(hs_hello));
	off = 4 + c1_names(c + 4, keyid, idlen, name, namelen);
	if (nc != NULL) {
		memcpy(c + off, nc, HS_NONCELEN);
	} else if (crypto_random(c + off, HS_NONCELEN) == -1) {
		goto err1;
	}
	off += HS_NONCELEN;
	if (key == NULL && (key = crypto_x25519_new(NULL)) == NULL) {
		goto err1;
	}
	memcpy(c + off, crypto_x25519_pub(key), CRYPTO_KEYLEN);
	off += CRYPTO_KEYLEN;
	if (hs_mac(c + off, psk, "rsh/1 client", hs->s1, c, off) == -1) {
		goto err1;
	}
	hs->c1len = off + CRYPTO_MACLEN;
	/* The client knows S2 in advance, so records may follow C1 at once. */
	hs->s2[0] = HS_OK;
	if (hs_mac(hs->s2 + 1, psk, "rsh/1 server", hs->s1, c, hs->c1len) ==
	    -1 || hs_derive(keys, psk, key, hs->s1 + HS_PSOFF, hs->s1, c,
	    hs->c1len, hs->s2) == -1) {
		goto err1;
	}
	rc = 0;
err1:
	if (rc == -1) {
		hs->c1len = 0;
	}
err0:
	/* One handshake, one use of the ephemeral key. */
	crypto_x25519_free(key);
	return rc;
}

enum wire_status
hs_client_read_s2(struct hs_client *hs, const uint8_t *buf, size_t have,
    size_t *used, uint8_t *status)
{
	if (have < 1) {
		return WIRE_INCOMPLETE;
	}
	if (buf[0] != HS_OK) {
		*status = buf[0];
		*used = 1;
		return WIRE_TOOBIG;
	}
	if (have < HS_S2LEN) {
		return WIRE_INCOMPLETE;
	}
	*status = HS_OK;
	*used = HS_S2LEN;
	/* Without a C1 there is no expected S2 to compare with. */
	if (hs->c1len == 0 ||
	    crypto_memeq_ct(buf, hs->s2, HS_S2LEN) != 0) {
		return WIRE_BAD;
	}
	return WIRE_OK;
}

void
hs_client_clear(struct hs_client *hs)
{
	crypto_wipe(hs, sizeof(*hs));
}
