/*
 * test_udp: the UDP datagrams (lib/udp.c) against vectors-v1.json byte for
 * byte; every truncation and flipped bit of a request and of a reply; the
 * header's rules; replies whose lengths do not fill their plaintext; the
 * size rules (reply limit, cut, padding); random round trips.  Runs in
 * tests/vectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "udp.h"
#include "wire.h"

#include "check.h"
#include "vec.h"

#define KEYID_SET	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._@-"

static const uint8_t	magic_req[4] = { 'R', 'S', 'U', 0x01 };
static const uint8_t	magic_rep[4] = { 'R', 'S', 'U', 0x81 };

static char	*json;

/* The vectors' "udp" object, with the shared psk, key id and name. */
static struct {
	uint8_t			psk[CRYPTO_KEYLEN], n[UDP_NLEN], nr[UDP_NRLEN];
	char			keyid[80], name[300];
	uint64_t		ts;
	uint16_t		mr;
	uint8_t			payload[64], header[UDP_HDRMAX];
	uint8_t			request[512], reply[512], out[64], err[64];
	uint8_t			k_req[CRYPTO_KEYLEN], k_rep[CRYPTO_KEYLEN];
	size_t			paylen, hlen, reqlen, replen;
	struct udp_reply	fields;
} v;

/* A hex vector into out; its length, 0 (and a failed check) if missing. */
static size_t
hex(const char *path, uint8_t *out, size_t cap)
{
	long	n = vec_hex(json, path, out, cap);

	CHECK(n >= 0);
	return n < 0 ? 0 : (size_t)n;
}

static void
load_vectors(void)
{
	CHECK_EQ(hex("psk", v.psk, sizeof(v.psk)), CRYPTO_KEYLEN);
	CHECK_EQ(hex("udp/N", v.n, sizeof(v.n)), UDP_NLEN);
	CHECK_EQ(hex("udp/Nr", v.nr, sizeof(v.nr)), UDP_NRLEN);
	CHECK(vec_str(json, "keyid", v.keyid, sizeof(v.keyid)) > 0);
	CHECK(vec_str(json, "server_name", v.name, sizeof(v.name)) > 0);
	CHECK(vec_num(json, "udp/ts_ms") > 0);
	CHECK(vec_num(json, "udp/max_reply") >= UDP_MINREPLY);
	v.ts = (uint64_t)vec_num(json, "udp/ts_ms");
	v.mr = (uint16_t)vec_num(json, "udp/max_reply");
	v.paylen = hex("udp/payload", v.payload, sizeof(v.payload));
	v.hlen = hex("udp/header", v.header, sizeof(v.header));
	v.reqlen = hex("udp/request", v.request, sizeof(v.request));
	v.replen = hex("udp/reply", v.reply, sizeof(v.reply));
	CHECK_EQ(hex("udp/k_req", v.k_req, sizeof(v.k_req)), CRYPTO_KEYLEN);
	CHECK_EQ(hex("udp/k_rep", v.k_rep, sizeof(v.k_rep)), CRYPTO_KEYLEN);
	v.fields.how = (uint8_t)vec_num(json, "udp/reply_fields/how");
	v.fields.code = (uint8_t)vec_num(json, "udp/reply_fields/code");
	v.fields.flags = (uint8_t)vec_num(json, "udp/reply_fields/flags");
	v.fields.out = v.out;
	v.fields.olen = hex("udp/reply_fields/out", v.out, sizeof(v.out));
	v.fields.err = v.err;
	v.fields.elen = hex("udp/reply_fields/err", v.err, sizeof(v.err));
}

/* The vector request with another max_reply and payload. */
static long
build_vec(uint8_t *out, size_t cap, uint16_t mr, const uint8_t *tlv,
    size_t tlvlen)
{
	return udp_req_build(out, cap, v.keyid, v.name, v.n, v.ts, mr, v.psk,
	    tlv, tlvlen);
}

/*
 * Parses (into *r, *st_parse) and opens (*st_open) a copy of dgram[0..len)
 * held in a buffer of exactly len bytes, so that ASan sees any read past
 * the datagram.
 */
static void
req_steps(const uint8_t *dgram, size_t len, const uint8_t *psk,
    enum wire_status *st_parse, enum wire_status *st_open)
{
	struct udp_req	 r;
	uint8_t		*b;

	*st_parse = *st_open = WIRE_BAD;
	if ((b = malloc(len != 0 ? len : 1)) == NULL) {
		CHECK(b != NULL);
		return;
	}
	if (len != 0) {
		memcpy(b, dgram, len);
	}
	if ((*st_parse = udp_req_parse(b, len, &r)) == WIRE_OK) {
		*st_open = udp_req_open(&r, psk);
	} else {
		CHECK(r.h == NULL && r.sealed == NULL && r.payload == NULL);
	}
	free(b);
}

/* Whether a request parses and opens under psk. */
static enum wire_status
req_check(const uint8_t *dgram, size_t len, const uint8_t *psk)
{
	enum wire_status	sp, so;

	req_steps(dgram, len, psk, &sp, &so);
	return sp != WIRE_OK ? sp : so;
}

/* udp_rep_open on a copy in a buffer of exactly len bytes. */
static enum wire_status
rep_check(const uint8_t *dgram, size_t len, const uint8_t *n,
    const uint8_t *h, size_t hlen, const uint8_t *psk)
{
	struct udp_reply	 rep;
	enum wire_status	 st;
	uint8_t			*b;

	if ((b = malloc(len != 0 ? len : 1)) == NULL) {
		CHECK(b != NULL);
		return WIRE_BAD;
	}
	if (len != 0) {
		memcpy(b, dgram, len);
	}
	st = udp_rep_open(b, len, n, h, hlen, psk, &rep);
	if (st != WIRE_OK) {
		CHECK(rep.out == NULL && rep.err == NULL && rep.olen == 0 &&
		    rep.elen == 0);
	}
	free(b);
	return st;
}

/* The reply's fields are want's, and lie inside dgram[0..len). */
static void
check_fields(const struct udp_reply *got, const struct udp_reply *want,
    const uint8_t *dgram, size_t len)
{
	CHECK_EQ(got->how, want->how);
	CHECK_EQ(got->code, want->code);
	CHECK_EQ(got->flags, want->flags);
	CHECK_EQ(got->olen, want->olen);
	CHECK_EQ(got->elen, want->elen);
	CHECK(got->out >= dgram && got->err >= got->out + got->olen &&
	    got->err + got->elen <= dgram + len);
	CHECK(got->olen == want->olen &&
	    (want->olen == 0 || memcmp(got->out, want->out, want->olen) == 0));
	CHECK(got->elen == want->elen &&
	    (want->elen == 0 || memcmp(got->err, want->err, want->elen) == 0));
}


/*
 * HKDF(N, PSK, label || H) computed here, not through lib/udp.c, whose
 * keys never leave it: checked against the vectors' k_req and k_rep.
 */
static int
derive(uint8_t k[CRYPTO_KEYLEN], const void *label, size_t ll,
    const uint8_t *h, size_t hlen)
{
	uint8_t	info[32 + UDP_HDRMAX];

	memcpy(info, label, ll);
	memcpy(info + ll, h, hlen);
	return crypto_hkdf(k, v.n, UDP_NLEN, v.psk, CRYPTO_KEYLEN, info,
	    ll + hlen);
}

static void
test_keys(void)
{
	uint8_t	k[CRYPTO_KEYLEN];

	CHECK_EQ(derive(k, "rsh/1 udp request", 17, v.header, v.hlen), 0);
	CHECK_MEM(k, v.k_req, CRYPTO_KEYLEN);
	CHECK_EQ(derive(k, "rsh/1 udp reply", 15, v.header, v.hlen), 0);
	CHECK_MEM(k, v.k_rep, CRYPTO_KEYLEN);
}

/* The vectors through the codec: build, parse, open, reply, open. */
static void
test_vectors(void)
{
	uint8_t			buf[1024], req[1024];
	struct udp_req		r;
	struct udp_reply	got;
	long			n;

	CHECK_EQ(udp_req_hdrlen(strlen(v.keyid), strlen(v.name)), v.hlen);
	n = build_vec(buf, sizeof(buf), v.mr, v.payload, v.paylen);
	CHECK_EQ(n, v.reqlen);
	CHECK_MEM(buf, v.header, v.hlen);
	CHECK_MEM(buf, v.request, v.reqlen);

	memcpy(req, v.request, v.reqlen);
	CHECK_EQ(udp_req_parse(req, v.reqlen, &r), WIRE_OK);
	CHECK(r.h == req && r.hlen == v.hlen);
	CHECK(r.idlen == strlen(v.keyid) &&
	    memcmp(r.keyid, v.keyid, r.idlen) == 0);
	CHECK(r.namelen == strlen(v.name) &&
	    memcmp(r.name, v.name, r.namelen) == 0);
	CHECK(r.n == req + v.hlen - 26);
	CHECK_MEM(r.n, v.n, UDP_NLEN);
	CHECK(r.ts_ms == v.ts);
	CHECK_EQ(r.max_reply, v.mr);
	CHECK(r.sealed == req + v.hlen &&
	    r.sealedlen == v.paylen + CRYPTO_TAGLEN);
	CHECK(r.payload == NULL && r.paylen == 0);
	CHECK_EQ(udp_req_open(&r, v.psk), WIRE_OK);
	CHECK(r.payload == req + v.hlen && r.paylen == v.paylen);
	CHECK_MEM(r.payload, v.payload, v.paylen);

	n = udp_rep_build(buf, sizeof(buf), &r, v.psk, v.nr, &v.fields);
	CHECK_EQ(n, v.replen);
	CHECK_MEM(buf, v.reply, v.replen);
	CHECK_EQ(udp_rep_open(buf, v.replen, v.n, v.header, v.hlen, v.psk,
	    &got), WIRE_OK);
	check_fields(&got, &v.fields, buf, v.replen);
}

/* Every cap too small by any amount is refused, the exact one is not. */
static void
test_caps(void)
{
	uint8_t		buf[1024], req[1024];
	struct udp_req	r;
	size_t		cap;
	int		refused = 0;

	for (cap = 0; cap < v.reqlen; cap++) {
		refused += build_vec(buf, cap, v.mr, v.payload, v.paylen) == -1;
	}
	CHECK_EQ(refused, v.reqlen);
	CHECK_EQ(build_vec(buf, v.reqlen, v.mr, v.payload, v.paylen),
	    v.reqlen);
	memcpy(req, v.request, v.reqlen);
	CHECK_EQ(udp_req_parse(req, v.reqlen, &r), WIRE_OK);
	refused = 0;
	for (cap = 0; cap < v.replen; cap++) {
		refused += udp_rep_build(buf, cap, &r, v.psk, v.nr,
		    &v.fields) == -1;
	}
	CHECK_EQ(refused, v.replen);
	CHECK_EQ(udp_rep_build(buf, v.replen, &r, v.psk, v.nr, &v.fields),
	    v.replen);
	CHECK_MEM(buf, v.reply, v.replen);
}

/* Every truncation, and one byte too many, of the request and the reply. */
static void
test_truncations(void)
{
	enum wire_status	sp, so;
	uint8_t			big[1024];
	size_t			len;

	for (len = 0; len < v.reqlen; len++) {
		req_steps(v.request, len, v.psk, &sp, &so);
		if (len < v.hlen + CRYPTO_TAGLEN) {
			CHECK_EQ(sp, WIRE_BAD);
		} else {
			CHECK(sp == WIRE_OK && so == WIRE_BAD);
		}
	}
	for (len = 0; len < v.replen; len++) {
		CHECK_EQ(rep_check(v.reply, len, v.n, v.header, v.hlen, v.psk),
		    WIRE_BAD);
	}
	/* A byte too many moves the tag as surely as one too few. */
	memcpy(big, v.request, v.reqlen);
	big[v.reqlen] = 0;
	CHECK_EQ(req_check(big, v.reqlen + 1, v.psk), WIRE_BAD);
	memcpy(big, v.reply, v.replen);
	big[v.replen] = 0;
	CHECK_EQ(rep_check(big, v.replen + 1, v.n, v.header, v.hlen, v.psk),
	    WIRE_BAD);
	CHECK_EQ(req_check(v.request, v.reqlen, v.psk), WIRE_OK);
	CHECK_EQ(rep_check(v.reply, v.replen, v.n, v.header, v.hlen, v.psk),
	    WIRE_OK);
}

/* Each of the 8 bits of every byte, flipped alone, makes it fail. */
static void
test_bitflips(void)
{
	uint8_t	b[1024];
	size_t	i;
	int	bit, bad;

	for (i = 0; i < v.reqlen; i++) {
		for (bad = 0, bit = 0; bit < 8; bit++) {
			memcpy(b, v.request, v.reqlen);
			b[i] ^= (uint8_t)(1u << bit);
			bad += req_check(b, v.reqlen, v.psk) == WIRE_BAD;
		}
		CHECK_EQ(bad, 8);
	}
	for (i = 0; i < v.replen; i++) {
		for (bad = 0, bit = 0; bit < 8; bit++) {
			memcpy(b, v.reply, v.replen);
			b[i] ^= (uint8_t)(1u << bit);
			bad += rep_check(b, v.replen, v.n, v.header, v.hlen,
			    v.psk) == WIRE_BAD;
		}
		CHECK_EQ(bad, 8);
	}
}

/*
 * A request written as given, unchecked: key id, name, the vectors' N and
 * ts_ms, max_reply, then sealedlen zero bytes.  Its length.
 */
static size_t
raw_req(uint8_t *out, const void *id, size_t idlen, const void *name,
    size_t namelen, uint16_t mr, size_t sealedlen)
{
	size_t	off = 0;

	memcpy(out, magic_req, 4);
	off = 4;
	out[off++] = (uint8_t)idlen;
	memcpy(out + off, id, idlen);
	off += idlen;
	out[off++] = (uint8_t)namelen;
	memcpy(out + off, name, namelen);
	off += namelen;
	memcpy(out + off, v.n, UDP_NLEN);
	wire_put64(out + off + UDP_NLEN, v.ts);
	wire_put16(out + off + UDP_NLEN + 8, mr);
	off += UDP_NLEN + 8 + 2;
	memset(out + off, 0, sealedlen);
	return off + sealedlen;
}

/* udp_req_parse's verdict on a raw request. */
static enum wire_status
raw_parse(const void *id, size_t idlen, const void *name, size_t namelen,
    uint16_t mr, size_t sealedlen)
{
	uint8_t			buf[1024];
	enum wire_status	sp, so;

	req_steps(buf, raw_req(buf, id, idlen, name, namelen, mr, sealedlen),
	    v.psk, &sp, &so);
	return sp;
}

/* Magic, key id, name, max_reply and the tag's room, at the parser. */
static void
test_header_rules(void)
{
	static const uint8_t	bytes[] = { 0x00, 0xff, 'A', '/' };
	uint8_t			b[1024], name255[255];
	char			id65[65], id3[3];
	size_t			i, idl = strlen(v.keyid), nl = strlen(v.name);
	int			c;

	for (i = 0; i < 4; i++) {
		memcpy(b, v.request, v.reqlen);
		b[i] ^= 0x20;
		CHECK_EQ(req_check(b, v.reqlen, v.psk), WIRE_BAD);
	}
	for (i = 0; i < sizeof(bytes); i++) {
		memcpy(b, v.request, v.reqlen);
		b[3] = bytes[i];
		CHECK_EQ(req_check(b, v.reqlen, v.psk), WIRE_BAD);
	}
	memcpy(b, v.request, v.reqlen);
	b[3] = 0x81;		/* a reply's magic */
	CHECK_EQ(req_check(b, v.reqlen, v.psk), WIRE_BAD);

	memset(id65, 'k', sizeof(id65));
	CHECK_EQ(raw_parse("", 0, v.name, nl, v.mr, 16), WIRE_BAD);
	CHECK_EQ(raw_parse(id65, 1, v.name, nl, v.mr, 16), WIRE_OK);
	CHECK_EQ(raw_parse(id65, 64, v.name, nl, v.mr, 16), WIRE_OK);
	CHECK_EQ(raw_parse(id65, 65, v.name, nl, v.mr, 16), WIRE_BAD);
	for (c = 0; c < 256; c++) {
		id3[0] = 'a';
		id3[1] = (char)c;
		id3[2] = 'z';
		CHECK_EQ(raw_parse(id3, 3, v.name, nl, v.mr, 16) == WIRE_OK,
		    c != 0 && strchr(KEYID_SET, c) != NULL);
	}

	/* Names are any bytes, NUL included; only an empty one is bad. */
	memset(name255, 0xff, sizeof(name255));
	name255[7] = 0;
	CHECK_EQ(raw_parse(v.keyid, idl, "", 0, v.mr, 16), WIRE_BAD);
	CHECK_EQ(raw_parse(v.keyid, idl, name255, 1, v.mr, 16), WIRE_OK);
	CHECK_EQ(raw_parse(v.keyid, idl, name255, 255, v.mr, 16), WIRE_OK);

	CHECK_EQ(raw_parse(v.keyid, idl, v.name, nl, 0, 16), WIRE_BAD);
	CHECK_EQ(raw_parse(v.keyid, idl, v.name, nl, 511, 16), WIRE_BAD);
	CHECK_EQ(raw_parse(v.keyid, idl, v.name, nl, 512, 16), WIRE_OK);
	CHECK_EQ(raw_parse(v.keyid, idl, v.name, nl, 65535, 16), WIRE_OK);

	CHECK_EQ(raw_parse(v.keyid, idl, v.name, nl, v.mr, 0), WIRE_BAD);
	CHECK_EQ(raw_parse(v.keyid, idl, v.name, nl, v.mr, 15), WIRE_BAD);
	CHECK_EQ(raw_parse(v.keyid, idl, v.name, nl, v.mr, 16), WIRE_OK);
}

/* udp_req_build refuses what the parser would, and builds the rest. */
static void
test_build_rules(void)
{
	uint8_t	b[1024];
	char	id[66], name[257], id3[4];
	long	n;
	int	c, wrong = 0;

	/* It builds, and a server's parse refuses it. */
	n = build_vec(b, sizeof(b), 511, v.payload, v.paylen);
	CHECK_EQ(n, v.reqlen);
	CHECK_EQ(req_check(b, (size_t)n, v.psk), WIRE_BAD);
	n = build_vec(b, sizeof(b), 512, v.payload, v.paylen);
	CHECK_EQ(n, v.reqlen);
	CHECK_EQ(req_check(b, (size_t)n, v.psk), WIRE_OK);

	memset(id, 'k', sizeof(id));
	id[65] = '\0';
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
#define BUILD(i, nm) udp_req_build(b, sizeof(b), (i), (nm), v.n, v.ts, \
	    v.mr, v.psk, v.payload, v.paylen)
	CHECK_EQ(BUILD(id, v.name), -1);
	CHECK_EQ(BUILD("", v.name), -1);
	CHECK_EQ(BUILD(v.keyid, ""), -1);
	CHECK_EQ(BUILD(v.keyid, name), -1);
	name[255] = '\0';
	n = BUILD(v.keyid, name);
	CHECK(n > 0 && req_check(b, (size_t)n, v.psk) == WIRE_OK);
	id[64] = '\0';
	CHECK(BUILD(id, v.name) > 0);
	for (c = 1; c < 256; c++) {
		id3[0] = 'a';
		id3[1] = (char)c;
		id3[2] = 'z';
		id3[3] = '\0';
		wrong += (BUILD(id3, v.name) > 0) !=
		    (strchr(KEYID_SET, c) != NULL);
	}
	CHECK_EQ(wrong, 0);
#undef BUILD
	/* An empty TLV list from a NULL pointer still seals. */
	n = build_vec(b, sizeof(b), v.mr, NULL, 0);
	CHECK_EQ(n, v.hlen + CRYPTO_TAGLEN);
	CHECK_EQ(req_check(b, (size_t)n, v.psk), WIRE_OK);
}

/*
 * A reply to the vector request whose plaintext is plain[0..plen), sealed
 * here with the vectors' k_rep and Nr rather than by udp_rep_build, which
 * makes only well-formed ones.  Its length.
 */
static size_t
hand_reply(uint8_t *out, const uint8_t *plain, size_t plen)
{
	struct crypto_aead	*a;
	uint8_t			*p = out + UDP_REPHDRLEN;

	memcpy(out, magic_rep, 4);
	memcpy(out + 4, v.n, UDP_NLEN);
	memcpy(out + 4 + UDP_NLEN, v.nr, UDP_NRLEN);
	if (plen != 0) {
		memcpy(p, plain, plen);
	}
	a = crypto_aead_new(v.k_rep, 1);
	CHECK(a != NULL && crypto_aead_seal(a, v.nr, out, UDP_REPHDRLEN, p,
	    plen, p + plen) == 0);
	crypto_aead_free(a);
	return UDP_REPHDRLEN + plen + CRYPTO_TAGLEN;
}

/* Replies whose olen and elen do not exactly fill the plaintext. */
static void
test_fill(void)
{
	static const struct {
		uint32_t	dolen, delen;	/* the lengths it says */
		size_t		olen, elen;	/* the bytes it has */
		size_t		extra;		/* bytes after err */
		int		ok;
	} t[] = {
		{ 3, 2, 3, 2, 0, 1 },
		{ 0, 0, 0, 0, 0, 1 },
		{ 4, 2, 3, 2, 0, 0 },
		{ 2, 2, 3, 2, 0, 0 },
		{ 3, 3, 3, 2, 0, 0 },
		{ 3, 1, 3, 2, 0, 0 },
		{ 3, 2, 3, 2, 1, 0 },
		{ 0, 0, 0, 0, 1, 0 },
		{ 9, 0, 3, 2, 0, 0 },
		{ 10, 0, 3, 2, 0, 0 },
		{ 0xffffffffu, 2, 3, 2, 0, 0 },
		{ 3, 0xffffffffu, 3, 2, 0, 0 },
		{ 0xfffffff4u, 0x0000000cu, 3, 2, 0, 0 }
	};
	struct udp_reply	got;
	uint8_t			plain[64], rep[128];
	size_t			i, plen, len;

	/* The hand-made sealer makes the vector from the vector's fields. */
	plain[0] = plain[1] = plain[2] = 0;
	wire_put32(plain + 3, (uint32_t)v.fields.olen);
	memcpy(plain + 7, v.out, v.fields.olen);
	wire_put32(plain + 7 + v.fields.olen, (uint32_t)v.fields.elen);
	len = hand_reply(rep, plain, 11 + v.fields.olen + v.fields.elen);
	CHECK(len == v.replen && memcmp(rep, v.reply, len) == 0);

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		plain[0] = 2;
		plain[1] = 255;
		plain[2] = 3;
		wire_put32(plain + 3, t[i].dolen);
		memset(plain + 7, 'o', t[i].olen);
		wire_put32(plain + 7 + t[i].olen, t[i].delen);
		memset(plain + 11 + t[i].olen, 'e', t[i].elen);
		plen = 11 + t[i].olen + t[i].elen;
		memset(plain + plen, 'x', t[i].extra);
		len = hand_reply(rep, plain, plen + t[i].extra);
		CHECK_EQ(udp_rep_open(rep, len, v.n, v.header, v.hlen, v.psk,
		    &got) == WIRE_OK, t[i].ok);
		if (t[i].ok) {
			CHECK(got.how == 2 && got.code == 255 &&
			    got.flags == 3 && got.olen == t[i].olen &&
			    got.elen == t[i].elen);
		}
	}
	/* Shorter than how, code, flags and two lengths. */
	memset(plain, 0, sizeof(plain));
	for (plen = 0; plen < 11; plen++) {
		len = hand_reply(rep, plain, plen);
		CHECK_EQ(rep_check(rep, len, v.n, v.header, v.hlen, v.psk),
		    WIRE_BAD);
	}
}

/* A reply for another N, and the right reply for another request. */
static void
test_other_request(void)
{
	uint8_t		req[1024], rep[1024], n2[UDP_NLEN], h2[UDP_HDRMAX + 1];
	uint8_t		psk2[CRYPTO_KEYLEN];
	struct udp_req	r, r2;
	long		len;

	memcpy(req, v.request, v.reqlen);
	CHECK_EQ(udp_req_parse(req, v.reqlen, &r), WIRE_OK);
	memcpy(n2, v.n, UDP_NLEN);
	n2[UDP_NLEN - 1] ^= 0x01;
	r2 = r;
	r2.n = n2;
	len = udp_rep_build(rep, sizeof(rep), &r2, v.psk, v.nr, &v.fields);
	CHECK_EQ(len, v.replen);
	CHECK_EQ(rep_check(rep, v.replen, v.n, v.header, v.hlen, v.psk),
	    WIRE_BAD);
	CHECK_EQ(rep_check(rep, v.replen, n2, v.header, v.hlen, v.psk),
	    WIRE_OK);
	/* Our N written over its own: still the other request's key. */
	memcpy(rep + 4, v.n, UDP_NLEN);
	CHECK_EQ(rep_check(rep, v.replen, v.n, v.header, v.hlen, v.psk),
	    WIRE_BAD);

	CHECK_EQ(rep_check(v.reply, v.replen, n2, v.header, v.hlen, v.psk),
	    WIRE_BAD);
	memcpy(h2, v.header, v.hlen);
	h2[v.hlen - 1] ^= 0x01;
	CHECK_EQ(rep_check(v.reply, v.replen, v.n, h2, v.hlen, v.psk),
	    WIRE_BAD);
	CHECK_EQ(rep_check(v.reply, v.replen, v.n, v.header, v.hlen - 1,
	    v.psk), WIRE_BAD);
	CHECK_EQ(rep_check(v.reply, v.replen, v.n, h2, UDP_HDRMAX + 1, v.psk),
	    WIRE_BAD);
	memcpy(psk2, v.psk, sizeof(psk2));
	psk2[0] ^= 0x80;
	CHECK_EQ(rep_check(v.reply, v.replen, v.n, v.header, v.hlen, psk2),
	    WIRE_BAD);
	CHECK_EQ(req_check(v.request, v.reqlen, psk2), WIRE_BAD);
}

/* Streams already in their place in dst give the same reply. */
static void
test_in_place(void)
{
	uint8_t			req[1024], a[1024], b[1024];
	struct udp_req		r;
	struct udp_reply	rep = v.fields;
	long			la, lb;

	memcpy(req, v.request, v.reqlen);
	CHECK_EQ(udp_req_parse(req, v.reqlen, &r), WIRE_OK);
	rep.err = (const uint8_t *)"oops\n";
	rep.elen = 5;
	la = udp_rep_build(a, sizeof(a), &r, v.psk, v.nr, &rep);
	memcpy(b + UDP_REPHDRLEN + 7, v.out, v.fields.olen);
	memcpy(b + UDP_REPHDRLEN + 11 + v.fields.olen, "oops\n", 5);
	rep.out = b + UDP_REPHDRLEN + 7;
	rep.err = b + UDP_REPHDRLEN + 11 + v.fields.olen;
	lb = udp_rep_build(b, sizeof(b), &r, v.psk, v.nr, &rep);
	CHECK(la > 0 && la == lb && memcmp(a, b, (size_t)la) == 0);
}

static void
test_reply_limit(void)
{
	CHECK_EQ(udp_reply_limit(1400, UDP_MAXV4, 100), 300);
	CHECK_EQ(udp_reply_limit(1400, UDP_MAXV4, 466), 1398);
	CHECK_EQ(udp_reply_limit(1400, UDP_MAXV4, 467), 1400);
	CHECK_EQ(udp_reply_limit(1400, UDP_MAXV4, 1000), 1400);
	CHECK_EQ(udp_reply_limit(65535, UDP_MAXV4, 30000), UDP_MAXV4);
	CHECK_EQ(udp_reply_limit(65535, UDP_MAXV6, 30000), UDP_MAXV6);
	CHECK_EQ(udp_reply_limit(600, 500, 400), 500);
	CHECK_EQ(udp_reply_limit(512, UDP_MAXV4, 0), 0);
	CHECK_EQ(udp_reply_limit(1400, UDP_MAXV4, SIZE_MAX), 1400);
	CHECK(udp_reply_limit(SIZE_MAX, SIZE_MAX, SIZE_MAX) == SIZE_MAX);
	CHECK(udp_reply_limit(SIZE_MAX, SIZE_MAX, SIZE_MAX / 3) ==
	    SIZE_MAX / 3 * 3);
	CHECK(udp_reply_limit(SIZE_MAX, SIZE_MAX, SIZE_MAX / 3 + 1) ==
	    SIZE_MAX);
}

#define O	UDP_FLAG_OUT_CUT
#define E	UDP_FLAG_ERR_CUT

static void
test_cut(void)
{
	static const struct {
		size_t	budget, olen, elen, wo, we;
		uint8_t	flags;
	} t[] = {
		/* It fits: nothing changes. */
		{ 100, 0, 0, 0, 0, 0 },
		{ 100, 50, 50, 50, 50, 0 },
		{ 100, 100, 0, 100, 0, 0 },
		{ 100, 0, 100, 0, 100, 0 },
		/* Short stderr, long stdout: stdout gets what is left. */
		{ 100, 200, 10, 90, 10, O },
		{ 100, 200, 25, 75, 25, O },
		/* Both long: stderr, longer than a quarter, keeps one. */
		{ 100, 200, 26, 75, 25, O | E },
		{ 100, 200, 200, 75, 25, O | E },
		{ 101, 200, 200, 76, 25, O | E },
		{ 100, 76, 100, 75, 25, O | E },
		/* Short stdout: stderr gets what stdout leaves. */
		{ 100, 75, 100, 75, 25, E },
		{ 100, 60, 60, 60, 40, E },
		{ 100, 10, 200, 10, 90, E },
		{ 100, 0, 200, 0, 100, E },
		/* Budgets too small for a quarter to be a byte. */
		{ 0, 5, 5, 0, 0, O | E },
		{ 0, 5, 0, 0, 0, O },
		{ 0, 0, 5, 0, 0, E },
		{ 3, 10, 10, 3, 0, O | E },
		{ 4, 10, 10, 3, 1, O | E },
		/* Sums that would overflow. */
		{ SIZE_MAX, SIZE_MAX, 1, SIZE_MAX - 1, 1, O },
		{ SIZE_MAX, 1, SIZE_MAX, 1, SIZE_MAX - 1, E },
		{ SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX - SIZE_MAX / 4,
		    SIZE_MAX / 4, O | E }
	};
	size_t	i, o, e;
	uint8_t	flags;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		o = t[i].olen;
		e = t[i].elen;
		flags = 0;
		udp_cut(t[i].budget, &o, &e, &flags);
		if (o != t[i].wo || e != t[i].we || flags != t[i].flags) {
			fprintf(stderr, "udp_cut case %zu: %zu %zu %u\n", i, o,
			    e, flags);
		}
		CHECK(o == t[i].wo && e == t[i].we && flags == t[i].flags);
	}
	/* Bits already set stay set. */
	o = e = 10;
	flags = 0x80;
	udp_cut(100, &o, &e, &flags);
	CHECK(o == 10 && e == 10 && flags == 0x80);
	udp_cut(10, &o, &e, &flags);
	CHECK(flags == (0x80 | O | E));
}

#undef O
#undef E

/* The random cases' generator, from a fixed seed. */
static uint64_t	rng = 0x853c49e6748fea9bULL;

/* xorshift64*: a failure shows again on the next run. */
static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static size_t
rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* udp_cut's promises on random lengths. */
static void
test_cut_random(void)
{
	size_t	i, b, o, e, o2, e2, bad = 0;
	uint8_t	flags;

	for (i = 0; i < 100000; i++) {
		b = rnd_below(i % 2 ? 100 : 70000);
		o = rnd_below(2 * b + 2);
		e = rnd_below(2 * b + 2);
		o2 = o;
		e2 = e;
		flags = 0;
		udp_cut(b, &o2, &e2, &flags);
		/* Within the budget, all of it used when cutting. */
		bad += o2 > o || e2 > e || o2 + e2 > b ||
		    (o + e > b && o2 + e2 != b);
		/* The flags say exactly what shrank. */
		bad += ((flags & UDP_FLAG_OUT_CUT) != 0) != (o2 < o) ||
		    ((flags & UDP_FLAG_ERR_CUT) != 0) != (e2 < e);
		/* stderr keeps up to a quarter, stdout what stderr leaves. */
		bad += e2 < (e < b / 4 ? e : b / 4) ||
		    o2 < (o < b - e2 ? o : b - e2);
	}
	CHECK_EQ(bad, 0);
}

/*
 * udp_req_padlen: with the PAD it asks for, wire_exec_encode's list makes
 * a request of at least max_reply / 3 bytes; exactly that many whenever
 * the PAD is more than the one byte a PAD needs at least.
 */
static void
test_padlen(void)
{
	static const uint16_t	 mrs[] = { 512, 513, 514, 1400, 9000, 65507,
	    65535 };
	static uint8_t		 tlv[32768], req[32768];
	static char		 arg[30000];
	struct wire_exec	 e, *d;
	char			*argv[2] = { arg, NULL };
	const char		*why;
	size_t			 i, al, pad, want, step;
	long			 tl, n;
	int			 bad = 0, decoded = 0;

	CHECK_EQ(udp_req_padlen(v.hlen, v.paylen, 1400), 375);
	CHECK_EQ(udp_req_padlen(0, 0, 1400), 466 - 16 - 5);
	/* 400 + tlvlen + 16 against 466: short by 0, 1, 5, 6, 7 bytes. */
	CHECK_EQ(udp_req_padlen(400, 51, 1400), 0);
	CHECK_EQ(udp_req_padlen(400, 50, 1400), 0);
	CHECK_EQ(udp_req_padlen(400, 49, 1400), 1);
	CHECK_EQ(udp_req_padlen(400, 45, 1400), 1);
	CHECK_EQ(udp_req_padlen(400, 44, 1400), 1);
	CHECK_EQ(udp_req_padlen(400, 43, 1400), 2);
	CHECK_EQ(udp_req_padlen(SIZE_MAX, 1, 65535), 0);
	CHECK_EQ(udp_req_padlen(1, SIZE_MAX, 65535), 0);
	CHECK_EQ(udp_req_padlen(SIZE_MAX, SIZE_MAX, 65535), 0);

	memset(&e, 0, sizeof(e));
	e.argv = argv;
	e.argc = 1;
	for (i = 0; i < sizeof(mrs) / sizeof(mrs[0]); i++) {
		want = mrs[i] / 3;
		step = want > 1000 ? 97 : 1;
		for (al = 1; al < want + 10; al += step) {
			memset(arg, 'a', al);
			arg[al] = '\0';
			tl = wire_exec_encode(&e, tlv, sizeof(tlv), 0);
			pad = udp_req_padlen(v.hlen, (size_t)tl, mrs[i]);
			tl = wire_exec_encode(&e, tlv, sizeof(tlv), pad);
			n = tl < 0 ? -1 : build_vec(req, sizeof(req), mrs[i],
			    tlv, (size_t)tl);
			bad += n < 0 || (size_t)n < want ||
			    (pad > 1 && (size_t)n != want) ||
			    (pad == 1 && (size_t)n > want + 5);
			if (al % 50 == 1 &&
			    wire_exec_decode(tlv, (size_t)tl, WIRE_UDP, &d,
			    &why) == WIRE_OK) {
				decoded++;
				wire_exec_free(d);
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(decoded > 10);
}

/* n random bytes; with nonul, none of them NUL. */
static void
rnd_fill(uint8_t *p, size_t n, int nonul)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		p[i] = (uint8_t)rnd();
		if (nonul && p[i] == 0) {
			p[i] = 1;
		}
	}
}

/*
 * Builds a request from random fields, which it leaves in the arguments
 * for the caller to compare; the request's length or -1.
 */
static long
rnd_request(uint8_t *dgram, size_t cap, char *id, char *name, uint8_t *n,
    uint64_t *ts, uint16_t *mr, uint8_t *tlv, size_t *tlvlen)
{
	static const char	set[] = KEYID_SET;
	size_t			i, idl = 1 + rnd_below(UDP_MAXIDLEN);
	size_t			nl = 1 + rnd_below(UDP_MAXNAMELEN);

	for (i = 0; i < idl; i++) {
		id[i] = set[rnd_below(sizeof(set) - 1)];
	}
	id[idl] = '\0';
	rnd_fill((uint8_t *)name, nl, 1);
	name[nl] = '\0';
	rnd_fill(n, UDP_NLEN, 0);
	*ts = rnd();
	*mr = (uint16_t)(UDP_MINREPLY + rnd_below(65536 - UDP_MINREPLY));
	*tlvlen = rnd_below(3000);
	rnd_fill(tlv, *tlvlen, 0);
	return udp_req_build(dgram, cap, id, name, n, *ts, *mr, v.psk, tlv,
	    *tlvlen);
}

/* Random requests, and replies of random sizes cut to their limits. */
static void
test_random(void)
{
	static uint8_t		 dgram[4096], tlv[3000], rep[UDP_MAXV4];
	static uint8_t		 out[UDP_MAXV4], err[UDP_MAXV4];
	char			 id[UDP_MAXIDLEN + 1], name[UDP_MAXNAMELEN + 1];
	uint8_t			 n[UDP_NLEN], nr[UDP_NRLEN];
	struct udp_req		 r;
	struct udp_reply	 want, got;
	uint64_t		 ts;
	uint16_t		 mr;
	size_t			 i, tlvlen, lim;
	long			 len, rl;
	int			 bad = 0;

	rnd_fill(out, sizeof(out), 0);
	rnd_fill(err, sizeof(err), 0);
	for (i = 0; i < 2000; i++) {
		len = rnd_request(dgram, sizeof(dgram), id, name, n, &ts, &mr,
		    tlv, &tlvlen);
		if (len < 0 || udp_req_parse(dgram, (size_t)len, &r) !=
		    WIRE_OK || udp_req_open(&r, v.psk) != WIRE_OK) {
			bad++;
			continue;
		}
		bad += r.idlen != strlen(id) ||
		    memcmp(r.keyid, id, r.idlen) != 0 ||
		    r.namelen != strlen(name) ||
		    memcmp(r.name, name, r.namelen) != 0 ||
		    memcmp(r.n, n, UDP_NLEN) != 0 || r.ts_ms != ts ||
		    r.max_reply != mr || r.paylen != tlvlen ||
		    (tlvlen != 0 && memcmp(r.payload, tlv, tlvlen) != 0);

		memset(&want, 0, sizeof(want));
		want.how = (uint8_t)rnd_below(4);
		want.code = (uint8_t)rnd();
		want.out = out;
		want.olen = rnd_below(i % 3 == 0 ? 70000 : 600);
		want.err = err;
		want.elen = rnd_below(i % 5 == 0 ? 70000 : 300);
		lim = udp_reply_limit(mr, i % 2 ? UDP_MAXV4 : UDP_MAXV6,
		    (size_t)len);
		udp_cut(lim - UDP_REPOVERHEAD, &want.olen, &want.elen,
		    &want.flags);
		rnd_fill(nr, sizeof(nr), 0);
		rl = udp_rep_build(rep, lim, &r, v.psk, nr, &want);
		if (rl < 0 || (size_t)rl > lim ||
		    udp_rep_open(rep, (size_t)rl, n, dgram, r.hlen, v.psk,
		    &got) != WIRE_OK) {
			bad++;
			continue;
		}
		bad += got.how != want.how || got.code != want.code ||
		    got.flags != want.flags || got.olen != want.olen ||
		    got.elen != want.elen ||
		    (got.olen != 0 && memcmp(got.out, out, got.olen) != 0) ||
		    (got.elen != 0 && memcmp(got.err, err, got.elen) != 0);
	}
	CHECK_EQ(bad, 0);
}

int
main(void)
{
	if (crypto_init() == -1 ||
	    (json = vec_load("vectors-v1.json")) == NULL) {
		fprintf(stderr, "test_udp: cannot read vectors-v1.json "
		    "(run from tests/vectors)\n");
		return 1;
	}
	load_vectors();
	test_keys();
	test_vectors();
	test_caps();
	test_truncations();
	test_bitflips();
	test_header_rules();
	test_build_rules();
	test_fill();
	test_other_request();
	test_in_place();
	test_reply_limit();
	test_cut();
	test_cut_random();
	test_padlen();
	test_random();
	free(json);
	return check_done("test_udp");
}
