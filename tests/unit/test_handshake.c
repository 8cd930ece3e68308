/*
 * test_handshake: both sides of the TCP handshake against
 * vectors-v1.json byte for byte (S1, C1, Tc, S2, Ts, th, dh, prk and the
 * session keys), then every truncation and malformed message, the
 * unknown key, the wrong key, and a full exchange with fresh keys that
 * carries records both ways.  Runs in tests/vectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "handshake.h"
#include "wire.h"

#include "check.h"
#include "vec.h"

static char	*json;
static uint8_t	 psk[32], ns[32], spriv[32], nc[32], cpriv[32];
static uint8_t	 s1[HS_S1LEN], c1[HS_C1MAX], s2[HS_S2LEN];
static size_t	 c1len;
static char	 keyid[80], name[300];

/* A vector of exactly len bytes into out. */
static void
want_hex(const char *path, uint8_t *out, size_t len)
{
	long	n = vec_hex(json, path, out, len);

	if (n != (long)len) {
		fprintf(stderr, "vector %s: %ld bytes, want %zu\n", path, n, len);
	}
	CHECK_EQ(n, len);
}

static void
load(void)
{
	long	n;

	want_hex("psk", psk, 32);
	want_hex("handshake/Ns", ns, 32);
	want_hex("handshake/server_x25519_private", spriv, 32);
	want_hex("handshake/Nc", nc, 32);
	want_hex("handshake/client_x25519_private", cpriv, 32);
	want_hex("handshake/S1", s1, HS_S1LEN);
	want_hex("handshake/S2", s2, HS_S2LEN);
	n = vec_hex(json, "handshake/C1", c1, sizeof(c1));
	CHECK(n > 0);
	c1len = n > 0 ? (size_t)n : 0;
	CHECK(vec_str(json, "keyid", keyid, sizeof(keyid)) > 0);
	CHECK(vec_str(json, "server_name", name, sizeof(name)) > 0);
}

/* The key file form of the PSK. */
static void
test_psk_base64(void)
{
	char	b64[64];
	uint8_t	out[32];
	long	n;

	CHECK((n = vec_str(json, "psk_base64", b64, sizeof(b64))) == 44);
	CHECK_EQ(crypto_b64decode(out, sizeof(out), b64, (size_t)n), 32);
	CHECK_MEM(out, psk, 32);
	CHECK_EQ(crypto_b64encode(b64, sizeof(b64), psk, 32), 0);
	CHECK_EQ(strlen(b64), 44);
	CHECK_EQ(crypto_b64decode(out, sizeof(out), b64, 44), 32);
	CHECK_MEM(out, psk, 32);
}

/* The intermediate values, from the primitives, as the spec defines them. */
static void
test_derivation(void)
{
	static const uint8_t		 one = 1;
	struct crypto_x25519_key	*sk, *ck;
	uint8_t				 dh[32], th[32], prk[32], k[32];
	uint8_t				 want[32];
	struct crypto_part		 p[3];

	sk = crypto_x25519_new(spriv);
	ck = crypto_x25519_new(cpriv);
	CHECK(sk != NULL && ck != NULL);
	if (sk == NULL || ck == NULL) {
		goto out;
	}
	want_hex("handshake/Ps", want, 32);
	CHECK_MEM(crypto_x25519_pub(sk), want, 32);
	CHECK_MEM(s1 + 36, want, 32);
	want_hex("handshake/Pc", want, 32);
	CHECK_MEM(crypto_x25519_pub(ck), want, 32);
	CHECK_MEM(c1 + c1len - 64, want, 32);
	want_hex("handshake/dh", want, 32);
	CHECK_EQ(crypto_x25519_derive(sk, c1 + c1len - 64, dh), 0);
	CHECK_MEM(dh, want, 32);
	CHECK_EQ(crypto_x25519_derive(ck, s1 + 36, dh), 0);
	CHECK_MEM(dh, want, 32);
	p[0].p = s1;
	p[0].len = HS_S1LEN;
	p[1].p = c1;
	p[1].len = c1len;
	p[2].p = s2;
	p[2].len = HS_S2LEN;
	CHECK_EQ(crypto_sha256(th, p, 3), 0);
	want_hex("handshake/th", want, 32);
	CHECK_MEM(th, want, 32);
	p[0].p = dh;
	p[0].len = 32;
	CHECK_EQ(crypto_hmac(prk, psk, 32, p, 1), 0);
	want_hex("handshake/prk", want, 32);
	CHECK_MEM(prk, want, 32);
	p[0].p = "rsh/1 c2s";
	p[0].len = 9;
	p[1].p = th;
	p[1].len = 32;
	p[2].p = &one;
	p[2].len = 1;
	CHECK_EQ(crypto_hmac(k, prk, 32, p, 3), 0);
	want_hex("handshake/k_c2s", want, 32);
	CHECK_MEM(k, want, 32);
	p[0].p = "rsh/1 s2c";
	CHECK_EQ(crypto_hmac(k, prk, 32, p, 3), 0);
	want_hex("handshake/k_s2c", want, 32);
	CHECK_MEM(k, want, 32);
out:
	crypto_x25519_free(sk);
	crypto_x25519_free(ck);
}

/* The client with the vector's inputs makes the vector's C1 and keys. */
static void
test_client_vector(void)
{
	struct hs_client	hs;
	struct hs_keys		keys;
	struct hs_refusal	ref;
	uint8_t			want[32], status;
	size_t			used = 0;

	memset(&hs, 0xa5, sizeof(hs));
	CHECK_EQ(hs_client_read_s1(&hs, s1, HS_S1LEN, &used, &ref), WIRE_OK);
	CHECK_EQ(used, HS_S1LEN);
	CHECK_EQ(hs_client_init(&hs, psk, keyid, name, nc,
	    crypto_x25519_new(cpriv), &keys), 0);
	CHECK_EQ(hs.c1len, c1len);
	CHECK_MEM(hs.c1, c1, c1len);
	want_hex("handshake/Tc", want, 32);
	CHECK_MEM(hs.c1 + hs.c1len - 32, want, 32);
	CHECK_MEM(hs.s2, s2, HS_S2LEN);
	want_hex("handshake/Ts", want, 32);
	CHECK_MEM(hs.s2 + 1, want, 32);
	want_hex("handshake/k_c2s", want, 32);
	CHECK_MEM(keys.c2s, want, 32);
	want_hex("handshake/k_s2c", want, 32);
	CHECK_MEM(keys.s2c, want, 32);
	/* S2 arrives, also with a record behind it. */
	used = 0;
	CHECK_EQ(hs_client_read_s2(&hs, s2, HS_S2LEN, &used, &status),
	    WIRE_OK);
	CHECK_EQ(used, HS_S2LEN);
	CHECK_EQ(status, HS_OK);
	hs_client_clear(&hs);
	memset(want, 0, sizeof(want));
	CHECK_MEM(hs.s2 + 1, want, 32);	/* Ts, made with the PSK */
	CHECK_EQ(hs.c1len, 0);
}

/* The server with the vector's inputs makes S1, accepts C1, sends S2. */
static void
test_server_vector(void)
{
	struct hs_server	hs;
	struct hs_keys		keys;
	uint8_t			out[HS_S2LEN], want[32], zero[32];
	size_t			used = 0;

	CHECK_EQ(hs_server_init(&hs, ns, crypto_x25519_new(spriv)), 0);
	CHECK_MEM(hs.s1, s1, HS_S1LEN);
	CHECK_EQ(hs_server_read_c1(&hs, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(used, c1len);
	CHECK(strcmp(hs.keyid, keyid) == 0);
	CHECK(strcmp(hs.name, name) == 0);
	CHECK_EQ(hs.namelen, strlen(name));
	CHECK_EQ(hs_server_verify(&hs, psk), 0);
	CHECK_EQ(hs_server_finish(&hs, HS_OK, out, &keys), HS_S2LEN);
	CHECK_MEM(out, s2, HS_S2LEN);
	want_hex("handshake/k_c2s", want, 32);
	CHECK_MEM(keys.c2s, want, 32);
	want_hex("handshake/k_s2c", want, 32);
	CHECK_MEM(keys.s2c, want, 32);
	/* The ephemeral private key is gone once the keys are made. */
	memset(zero, 0, sizeof(zero));
	CHECK(hs.key == NULL);
	/* So a second HS_OK makes no second set of keys. */
	CHECK_EQ(hs_server_finish(&hs, HS_OK, out, &keys), -1);
	hs_server_clear(&hs);
	CHECK_MEM(hs.psk, zero, 32);

	/* Authentication failed: the one-byte S2 of the vectors. */
	CHECK_EQ(hs_server_init(&hs, ns, crypto_x25519_new(spriv)), 0);
	CHECK_EQ(hs_server_read_c1(&hs, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(hs_server_verify(&hs, NULL), -1);
	want_hex("handshake/S2_auth_failed", want, 1);
	CHECK_EQ(hs_server_finish(&hs, HS_AUTH_FAILED, out, &keys), 1);
	CHECK_MEM(out, want, 1);
	hs_server_clear(&hs);
}

/*
 * The server split in two, as rshd runs it: the network part's dh, the
 * privileged part's S2 and keys, byte for byte the vectors' and the
 * one-piece server's.
 */
static void
test_server_split(void)
{
	struct hs_server	net, priv;
	struct hs_keys		keys;
	uint8_t			dh[32], out[HS_S2LEN], want[32], bad[HS_S1LEN];
	size_t			used = 0;

	CHECK_EQ(hs_server_init(&net, ns, crypto_x25519_new(spriv)), 0);
	/* No C1 yet: nothing to derive, and the key is gone all the same. */
	memset(&priv, 0, sizeof(priv));
	CHECK_EQ(hs_server_dh(&priv, dh), -1);
	CHECK_EQ(hs_server_read_c1(&net, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(hs_server_dh(&net, dh), 0);
	want_hex("handshake/dh", want, 32);
	CHECK_MEM(dh, want, 32);
	CHECK(net.key == NULL);
	CHECK_EQ(hs_server_dh(&net, out), -1);	/* one use */
	hs_server_clear(&net);

	memcpy(bad, s1, HS_S1LEN);
	bad[3] = 0;
	CHECK_EQ(hs_server_resume(&priv, bad), -1);
	CHECK_EQ(hs_server_resume(&priv, s1), 0);
	CHECK(priv.key == NULL);
	/* Every truncation of C1 is incomplete, never accepted. */
	for (size_t n = 0; n < c1len; n++) {
		CHECK_EQ(hs_server_read_c1(&priv, c1, n, &used),
		    WIRE_INCOMPLETE);
	}
	CHECK_EQ(hs_server_read_c1(&priv, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(used, c1len);
	/* Before a verify, and with no dh: nothing. */
	CHECK_EQ(hs_server_finish_dh(&priv, HS_OK, dh, out, &keys), -1);
	CHECK_EQ(hs_server_verify(&priv, psk), 0);
	CHECK_EQ(hs_server_finish_dh(&priv, HS_OK, NULL, out, &keys), -1);
	CHECK_EQ(hs_server_verify(&priv, psk), 0);
	CHECK_EQ(hs_server_finish_dh(&priv, HS_OK, dh, out, &keys), HS_S2LEN);
	CHECK_MEM(out, s2, HS_S2LEN);
	want_hex("handshake/k_c2s", want, 32);
	CHECK_MEM(keys.c2s, want, 32);
	want_hex("handshake/k_s2c", want, 32);
	CHECK_MEM(keys.s2c, want, 32);
	/* One proof, one set of keys. */
	CHECK_EQ(hs_server_finish_dh(&priv, HS_OK, dh, out, &keys), -1);
	hs_server_clear(&priv);

	/* A wrong key: "failed", one byte, and nothing more. */
	memcpy(want, psk, 32);
	want[0] ^= 1;
	CHECK_EQ(hs_server_resume(&priv, s1), 0);
	CHECK_EQ(hs_server_read_c1(&priv, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(hs_server_verify(&priv, want), -1);
	CHECK_EQ(hs_server_finish_dh(&priv, HS_OK, dh, out, &keys), -1);
	CHECK_EQ(hs_server_finish_dh(&priv, HS_BAD_NAME, dh, out, &keys), -1);
	CHECK_EQ(hs_server_finish_dh(&priv, HS_AUTH_FAILED, NULL, out, &keys),
	    1);
	CHECK_EQ(out[0], HS_AUTH_FAILED);
	hs_server_clear(&priv);
	crypto_wipe(dh, sizeof(dh));

	/* Fresh keys both sides: the split server agrees with the client. */
	for (int i = 0; i < 20; i++) {
		struct hs_client	cli;
		struct hs_keys		ck;
		struct hs_refusal	ref;

		CHECK_EQ(hs_server_init(&net, NULL, NULL), 0);
		CHECK_EQ(hs_client_read_s1(&cli, net.s1, HS_S1LEN, &used,
		    &ref), WIRE_OK);
		CHECK_EQ(hs_client_init(&cli, psk, keyid, name, NULL, NULL,
		    &ck), 0);
		CHECK_EQ(hs_server_read_c1(&net, cli.c1, cli.c1len, &used),
		    WIRE_OK);
		CHECK_EQ(hs_server_dh(&net, dh), 0);
		CHECK_EQ(hs_server_resume(&priv, net.s1), 0);
		CHECK_EQ(hs_server_read_c1(&priv, cli.c1, cli.c1len, &used),
		    WIRE_OK);
		CHECK_EQ(used, cli.c1len);
		CHECK_EQ(hs_server_verify(&priv, psk), 0);
		CHECK_EQ(hs_server_finish_dh(&priv, HS_OK, dh, out, &keys),
		    HS_S2LEN);
		CHECK_MEM(out, cli.s2, HS_S2LEN);
		CHECK_MEM(&keys, &ck, sizeof(keys));
		hs_server_clear(&net);
		hs_server_clear(&priv);
		hs_client_clear(&cli);
	}
}

/* The unknown key id and the wrong key look alike; neither gets far. */
static void
test_server_refusals(void)
{
	struct hs_server	hs;
	struct hs_keys		keys;
	uint8_t			out[HS_S2LEN], other[32];
	size_t			used = 0;

	memcpy(other, psk, 32);
	other[0] ^= 1;
	CHECK_EQ(hs_server_init(&hs, ns, crypto_x25519_new(spriv)), 0);
	CHECK_EQ(hs_server_read_c1(&hs, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(hs_server_verify(&hs, other), -1);
	CHECK_EQ(hs.verified, 0);
	/* Nothing beyond "failed" for a client that did not prove the key. */
	CHECK_EQ(hs_server_finish(&hs, HS_OK, out, &keys), -1);
	CHECK_EQ(hs_server_finish(&hs, HS_ADDR_DENIED, out, &keys), -1);
	CHECK_EQ(hs_server_finish(&hs, HS_BAD_NAME, out, &keys), -1);
	CHECK_EQ(hs_server_verify(&hs, NULL), -1);
	CHECK_EQ(hs_server_finish(&hs, HS_OK, out, &keys), -1);
	hs_server_clear(&hs);

	/* After a valid Tc, statuses 2 and 3 are one byte. */
	CHECK_EQ(hs_server_init(&hs, ns, crypto_x25519_new(spriv)), 0);
	CHECK_EQ(hs_server_read_c1(&hs, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(hs_server_verify(&hs, psk), 0);
	CHECK_EQ(hs_server_finish(&hs, HS_BAD_NAME, out, &keys), 1);
	CHECK_EQ(out[0], 3);
	CHECK_EQ(hs_server_finish(&hs, 4, out, &keys), -1);
	hs_server_clear(&hs);
	CHECK_EQ(hs_server_init(&hs, ns, crypto_x25519_new(spriv)), 0);
	CHECK_EQ(hs_server_read_c1(&hs, c1, c1len, &used), WIRE_OK);
	CHECK_EQ(hs_server_verify(&hs, psk), 0);
	CHECK_EQ(hs_server_finish(&hs, HS_ADDR_DENIED, out, &keys), 1);
	CHECK_EQ(out[0], 2);
	hs_server_clear(&hs);

	/* A flipped bit anywhere in C1 past its framing fails Tc. */
	for (used = 4; used < c1len; used++) {
		uint8_t	bent[HS_C1MAX];
		size_t	u;

		memcpy(bent, c1, c1len);
		bent[used] ^= 0x20;
		CHECK_EQ(hs_server_init(&hs, ns, crypto_x25519_new(spriv)), 0);
		if (hs_server_read_c1(&hs, bent, c1len, &u) == WIRE_OK) {
			CHECK_EQ(hs_server_verify(&hs, psk), -1);
		}
		hs_server_clear(&hs);
	}
}

/* Reads a C1 in hs from buf and expects st. */
static void
c1_expect(const uint8_t *buf, size_t len, enum wire_status st, int line)
{
	struct hs_server	hs;
	size_t			used = 0;
	enum wire_status	got;

	memset(&hs, 0, sizeof(hs));
	got = hs_server_read_c1(&hs, buf, len, &used);
	if (got != st) {
		fprintf(stderr, "line %d: C1 of %zu bytes: %d, want %d\n", line,
		    len, got, st);
	}
	CHECK_EQ(got, st);
}

#define C1_EXPECT(b, n, st)	c1_expect((b), (n), (st), __LINE__)

/* Builds a C1 with the given id and name fields and a zero tail. */
static size_t
make_c1(uint8_t *b, const uint8_t *hello, size_t idlen, const char *id,
    size_t namelen, const char *nm)
{
	memcpy(b, hello, 4);
	b[4] = (uint8_t)idlen;
	memcpy(b + 5, id, idlen);
	b[5 + idlen] = (uint8_t)namelen;
	memcpy(b + 6 + idlen, nm, namelen);
	memset(b + 6 + idlen + namelen, 0, 96);
	return 6 + idlen + namelen + 96;
}

static void
test_c1_malformed(void)
{
	static const char	 badid[] = " /:*\"\\!#$%&'()+,;<=>?[]^`{|}~";
	uint8_t			 b[HS_C1MAX + 16];
	char			 id[70], nm[255];
	size_t			 i, n;

	for (i = 0; i < c1len; i++) {
		C1_EXPECT(c1, i, WIRE_INCOMPLETE);
	}
	C1_EXPECT(c1, c1len, WIRE_OK);
	memcpy(b, c1, c1len);
	b[c1len] = 0xff;
	C1_EXPECT(b, c1len + 1, WIRE_OK);
	/* Bad magic and version, rejected as soon as the byte arrives. */
	for (i = 0; i < 4; i++) {
		memcpy(b, c1, c1len);
		b[i] ^= 0x01;
		C1_EXPECT(b, i + 1, WIRE_BAD);
		C1_EXPECT(b, c1len, WIRE_BAD);
	}
	memcpy(b, c1, c1len);
	b[3] = 2;
	C1_EXPECT(b, c1len, WIRE_BAD);
	b[3] = 0;
	C1_EXPECT(b, c1len, WIRE_BAD);
	/* Key id length 0 and 65; 1 and 64 are fine. */
	memset(id, 'k', sizeof(id));
	n = make_c1(b, (const uint8_t *)"RSH\x01", 0, id, 3, "abc");
	C1_EXPECT(b, 5, WIRE_BAD);
	C1_EXPECT(b, n, WIRE_BAD);
	n = make_c1(b, (const uint8_t *)"RSH\x01", 65, id, 3, "abc");
	C1_EXPECT(b, 5, WIRE_BAD);
	C1_EXPECT(b, n, WIRE_BAD);
	b[4] = 255;
	C1_EXPECT(b, n, WIRE_BAD);
	n = make_c1(b, (const uint8_t *)"RSH\x01", 64, id, 3, "abc");
	C1_EXPECT(b, n - 1, WIRE_INCOMPLETE);
	C1_EXPECT(b, n, WIRE_OK);
	memset(nm, 0xff, sizeof(nm));
	n = make_c1(b, (const uint8_t *)"RSH\x01", 1, id, 255, nm);
	C1_EXPECT(b, n, WIRE_OK);
	/* Every byte outside [A-Za-z0-9._@-], wherever it is in the id. */
	for (i = 0; i < 256; i++) {
		int	ok = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') ||
		    (i >= '0' && i <= '9') || i == '.' || i == '_' ||
		    i == '@' || i == '-';

		memcpy(id, "abcd", 4);
		id[i % 4] = (char)i;
		n = make_c1(b, (const uint8_t *)"RSH\x01", 4, id, 1, "h");
		C1_EXPECT(b, n, ok ? WIRE_OK : WIRE_BAD);
		if (!ok) {
			C1_EXPECT(b, 5 + i % 4 + 1, WIRE_BAD);
		}
	}
	for (i = 0; badid[i] != '\0'; i++) {
		id[0] = badid[i];
		n = make_c1(b, (const uint8_t *)"RSH\x01", 1, id, 1, "h");
		C1_EXPECT(b, n, WIRE_BAD);
	}
	/* Name length 0. */
	n = make_c1(b, (const uint8_t *)"RSH\x01", 3, "ops", 0, "");
	C1_EXPECT(b, 9, WIRE_BAD);
	C1_EXPECT(b, n, WIRE_BAD);
}

static void
s1_expect(const uint8_t *buf, size_t len, enum wire_status st, int line)
{
	struct hs_client	hs;
	struct hs_refusal	ref;
	size_t			used = 0;
	enum wire_status	got;

	got = hs_client_read_s1(&hs, buf, len, &used, &ref);
	if (got != st) {
		fprintf(stderr, "line %d: S1 of %zu bytes: %d, want %d\n", line,
		    len, got, st);
	}
	CHECK_EQ(got, st);
}

#define S1_EXPECT(b, n, st)	s1_expect((b), (n), (st), __LINE__)

static void
test_s1_malformed(void)
{
	struct hs_client	hs;
	struct hs_refusal	ref;
	uint8_t			b[HS_REFUSALMAX + 8];
	size_t			i, used;

	for (i = 0; i < HS_S1LEN; i++) {
		S1_EXPECT(s1, i, WIRE_INCOMPLETE);
	}
	S1_EXPECT(s1, HS_S1LEN, WIRE_OK);
	for (i = 0; i < 3; i++) {
		memcpy(b, s1, HS_S1LEN);
		b[i] ^= 0x40;
		S1_EXPECT(b, i + 1, WIRE_BAD);
		S1_EXPECT(b, HS_S1LEN, WIRE_BAD);
	}
	memcpy(b, s1, HS_S1LEN);
	for (i = 2; i < 256; i++) {
		b[3] = (uint8_t)i;
		S1_EXPECT(b, 4, WIRE_BAD);
		S1_EXPECT(b, HS_S1LEN, WIRE_BAD);
	}
	/* A refusal: "RSH" 0x00 reason n text. */
	memcpy(b, "RSH\x00\x01\x05" "busy!", 11);
	for (i = 0; i < 11; i++) {
		S1_EXPECT(b, i, WIRE_INCOMPLETE);
	}
	used = 0;
	memset(&ref, 0xff, sizeof(ref));
	CHECK_EQ(hs_client_read_s1(&hs, b, 11, &used, &ref), WIRE_TOOBIG);
	CHECK_EQ(used, 11);
	CHECK_EQ(ref.reason, HS_REFUSE_BUSY);
	CHECK(strcmp(ref.text, "busy!") == 0);
	memcpy(b, "RSH\x00\x09\x00", 6);
	CHECK_EQ(hs_client_read_s1(&hs, b, 6, &used, &ref), WIRE_TOOBIG);
	CHECK_EQ(used, 6);
	CHECK_EQ(ref.reason, 9);
	CHECK_EQ(ref.text[0], '\0');
	memcpy(b, "RSH\x00\x02\xff", 6);
	memset(b + 6, 'x', 255);
	S1_EXPECT(b, 6 + 254, WIRE_INCOMPLETE);
	CHECK_EQ(hs_client_read_s1(&hs, b, 6 + 255, &used, &ref), WIRE_TOOBIG);
	CHECK_EQ(used, HS_REFUSALMAX);
	CHECK_EQ(strlen(ref.text), 255);
}

static void
test_s2_client(void)
{
	struct hs_client	hs;
	struct hs_keys		keys;
	struct hs_refusal	ref;
	uint8_t			b[HS_S2LEN], status;
	size_t			i, used;

	/* Before C1 there is no S2 to accept, not even one of zeros. */
	memset(&hs, 0, sizeof(hs));
	memset(b, 0, sizeof(b));
	CHECK_EQ(hs_client_read_s2(&hs, b, HS_S2LEN, &used, &status),
	    WIRE_BAD);
	/* The key is taken over (and freed) on failure too. */
	CHECK_EQ(hs_client_init(&hs, psk, keyid, name, nc,
	    crypto_x25519_new(cpriv), &keys), -1);
	CHECK_EQ(hs_client_read_s1(&hs, s1, HS_S1LEN, &used, &ref), WIRE_OK);
	CHECK_EQ(hs_client_init(&hs, psk, keyid, name, nc,
	    crypto_x25519_new(cpriv), &keys), 0);
	for (i = 0; i < HS_S2LEN; i++) {
		used = 99;
		CHECK_EQ(hs_client_read_s2(&hs, s2, i, &used, &status),
		    WIRE_INCOMPLETE);
		CHECK_EQ(used, 99);
	}
	/* A wrong Ts: the server does not hold the key. */
	for (i = 8; i < HS_S2LEN * 8; i++) {
		memcpy(b, s2, HS_S2LEN);
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
		CHECK_EQ(hs_client_read_s2(&hs, b, HS_S2LEN, &used, &status),
		    WIRE_BAD);
	}
	/* Non-zero statuses, known or not, are one byte. */
	for (i = 1; i < 256; i++) {
		b[0] = (uint8_t)i;
		used = 0;
		CHECK_EQ(hs_client_read_s2(&hs, b, 1, &used, &status),
		    WIRE_TOOBIG);
		CHECK_EQ(used, 1);
		CHECK_EQ(status, i);
	}
	/* Bad arguments to init. */
	CHECK_EQ(hs_client_init(&hs, psk, "", name, NULL, NULL, &keys), -1);
	CHECK_EQ(hs_client_init(&hs, psk, "a b", name, NULL,
	    crypto_x25519_new(NULL), &keys), -1);
	{
		char	longid[66], longname[257];

		memset(longid, 'i', 65);
		longid[65] = '\0';
		memset(longname, 'n', 256);
		longname[256] = '\0';
		CHECK_EQ(hs_client_init(&hs, psk, longid, name, NULL, NULL,
		    &keys), -1);
		longid[64] = '\0';
		CHECK_EQ(hs_client_init(&hs, psk, longid, name, NULL, NULL,
		    &keys), 0);
		CHECK_EQ(hs_client_init(&hs, psk, keyid, longname, NULL, NULL,
		    &keys), -1);
		longname[255] = '\0';
		CHECK_EQ(hs_client_init(&hs, psk, keyid, longname, NULL, NULL,
		    &keys), 0);
		CHECK_EQ(hs.c1len, HS_C1MAX - (HS_MAXIDLEN - strlen(keyid)));
		CHECK_EQ(hs_client_init(&hs, psk, keyid, "", NULL, NULL, &keys),
		    -1);
	}
	hs_client_clear(&hs);
}

/* Fresh randomness on both sides; then records flow both ways. */
static void
test_full_exchange(void)
{
	struct hs_server	 srv;
	struct hs_client	 cli;
	struct hs_keys		 sk, ck;
	struct hs_refusal	 ref;
	struct wire_dir		*cs, *so;
	uint8_t			 out[HS_S2LEN], rec[64], type, *p, status;
	size_t			 used, len;
	long			 n;
	int			 round;

	for (round = 0; round < 20; round++) {
		/* Odd rounds: keys made ahead, as a pool or rsh would. */
		CHECK_EQ(hs_server_init(&srv, NULL, round % 2 == 0 ? NULL :
		    crypto_x25519_new(NULL)), 0);
		CHECK_EQ(hs_client_read_s1(&cli, srv.s1, HS_S1LEN, &used,
		    &ref), WIRE_OK);
		CHECK_EQ(hs_client_init(&cli, psk, "k1", "host", NULL,
		    round % 2 == 0 ? NULL : crypto_x25519_new(NULL), &ck), 0);
		CHECK_EQ(hs_server_read_c1(&srv, cli.c1, cli.c1len, &used),
		    WIRE_OK);
		CHECK_EQ(hs_server_verify(&srv, psk), 0);
		CHECK_EQ(hs_server_finish(&srv, HS_OK, out, &sk), HS_S2LEN);
		CHECK_EQ(hs_client_read_s2(&cli, out, HS_S2LEN, &used,
		    &status), WIRE_OK);
		CHECK_MEM(&sk, &ck, sizeof(sk));
		CHECK(memcmp(sk.c2s, sk.s2c, 32) != 0);
		cs = wire_dir_new(ck.c2s, 0, 1);
		so = wire_dir_new(sk.c2s, 0, 0);
		CHECK(cs != NULL && so != NULL);
		if (cs != NULL && so != NULL) {
			memcpy(rec + WIRE_PAYLOADOFF, "\x02", 1);
			n = wire_seal(cs, REC_SIGNAL, rec, 1);
			CHECK_EQ(wire_open(so, rec, (size_t)n, &used, &type, &p,
			    &len), WIRE_OK);
			CHECK_EQ(type, REC_SIGNAL);
			CHECK_EQ(wire_check_c2s(type, len), WIRE_OK);
		}
		wire_dir_free(cs);
		wire_dir_free(so);
		hs_server_clear(&srv);
		hs_client_clear(&cli);
	}
}

int
main(void)
{
	if ((json = vec_load("vectors-v1.json")) == NULL) {
		fprintf(stderr, "test_handshake: cannot read vectors-v1.json "
		    "(run from tests/vectors)\n");
		return 1;
	}
	/* The programs' setup, so that the vectors check what they run. */
	CHECK_EQ(crypto_init(), 0);
	load();
	test_psk_base64();
	test_derivation();
	test_client_vector();
	test_server_vector();
	test_server_refusals();
	test_server_split();
	test_c1_malformed();
	test_s1_malformed();
	test_s2_client();
	test_full_exchange();
	free(json);
	return check_done("test_handshake");
}
