/*
 * test_wire: the record layer against vectors-v1.json, byte for byte, and
 * every malformed record we can make: bad lengths, truncations, flipped
 * bits, replays, reordering, key update and sequence exhaustion.  The UDP
 * datagrams are test_udp's.  Runs in tests/vectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "wire.h"

#include "check.h"
#include "vec.h"

static char	*json;
static uint8_t	 k_c2s[32], k_s2c[32];

/* Seals one record with a fresh direction at seq; its length or -1. */
static long
seal_at(const uint8_t *key, uint64_t seq, uint8_t type, const uint8_t *p,
    size_t len, uint8_t *rec)
{
	struct wire_dir	*d;
	long		 n;

	if ((d = wire_dir_new(key, seq, 1)) == NULL) {
		return -1;
	}
	memcpy(rec + WIRE_PAYLOADOFF, p, len);
	n = wire_seal(d, type, rec, len);
	wire_dir_free(d);
	return n;
}

/* p[0..len) is exactly want[0..wlen); p is NULL after a failed open. */
static void
check_payload(const uint8_t *p, size_t len, const void *want, size_t wlen)
{
	CHECK(p != NULL && len == wlen &&
	    (wlen == 0 || memcmp(p, want, wlen) == 0));
}

/* Opens one record with a fresh direction at seq. */
static enum wire_status
open_at(const uint8_t *key, uint64_t seq, uint8_t *rec, size_t have,
    uint8_t *type, uint8_t **p, size_t *len)
{
	struct wire_dir		*d;
	enum wire_status	 st;
	size_t			 used = 0;

	*p = NULL;
	*len = 0;
	if ((d = wire_dir_new(key, seq, 0)) == NULL) {
		return WIRE_BAD;
	}
	st = wire_open(d, rec, have, &used, type, p, len);
	if (st == WIRE_OK && used != have) {
		st = WIRE_BAD;
	}
	wire_dir_free(d);
	return st;
}

static void
test_be(void)
{
	uint8_t	b[8];

	wire_put16(b, 0x0102);
	CHECK_MEM(b, "\x01\x02", 2);
	CHECK_EQ(wire_get16(b), 0x0102);
	wire_put32(b, 0xfedcba98u);
	CHECK_MEM(b, "\xfe\xdc\xba\x98", 4);
	CHECK_EQ(wire_get32(b), 0xfedcba98u);
	wire_put64(b, 0x0123456789abcdefULL);
	CHECK_MEM(b, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	CHECK(wire_get64(b) == 0x0123456789abcdefULL);
	wire_put64(b, UINT64_MAX);
	CHECK(wire_get64(b) == UINT64_MAX);
}

/* Every record of "records", sealed and opened, then each bit flipped. */
static void
test_vector_records(void)
{
	char		 path[64], keyname[16];
	uint8_t		 payload[256], want[512], rec[512], type, *p;
	const uint8_t	*key;
	long		 plen, rlen;
	size_t		 i, len, bit, cut;
	long long	 seq, vtype;

	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "records/%zu/key", i);
		CHECK(vec_str(json, path, keyname, sizeof(keyname)) > 0);
		key = strcmp(keyname, "k_c2s") == 0 ? k_c2s : k_s2c;
		snprintf(path, sizeof(path), "records/%zu/seq", i);
		CHECK((seq = vec_num(json, path)) >= 0);
		snprintf(path, sizeof(path), "records/%zu/type", i);
		CHECK((vtype = vec_num(json, path)) >= 0);
		snprintf(path, sizeof(path), "records/%zu/payload", i);
		CHECK((plen = vec_hex(json, path, payload, sizeof(payload))) >=
		    0);
		snprintf(path, sizeof(path), "records/%zu/record", i);
		CHECK((rlen = vec_hex(json, path, want, sizeof(want))) > 0);
		if (seq < 0 || vtype < 0 || plen < 0 || rlen <= 0) {
			continue;
		}
		CHECK_EQ(seal_at(key, (uint64_t)seq, (uint8_t)vtype, payload,
		    (size_t)plen, rec), rlen);
		CHECK_MEM(rec, want, (size_t)rlen);
		CHECK_EQ(open_at(key, (uint64_t)seq, rec, (size_t)rlen, &type,
		    &p, &len), WIRE_OK);
		CHECK_EQ(type, vtype);
		check_payload(p, len, payload, (size_t)plen);
		/* A record's direction key matters, and so does its seq. */
		memcpy(rec, want, (size_t)rlen);
		CHECK_EQ(open_at(key == k_c2s ? k_s2c : k_c2s, (uint64_t)seq,
		    rec, (size_t)rlen, &type, &p, &len), WIRE_BAD);
		memcpy(rec, want, (size_t)rlen);
		CHECK_EQ(open_at(key, (uint64_t)seq + 1, rec, (size_t)rlen,
		    &type, &p, &len), WIRE_BAD);
		for (bit = 0; bit < (size_t)rlen * 8; bit++) {
			memcpy(rec, want, (size_t)rlen);
			rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CHECK(open_at(key, (uint64_t)seq, rec, (size_t)rlen,
			    &type, &p, &len) != WIRE_OK);
		}
		/* Every truncation only asks for more. */
		for (cut = 0; cut < (size_t)rlen; cut++) {
			memcpy(rec, want, (size_t)rlen);
			CHECK_EQ(open_at(key, (uint64_t)seq, rec, cut, &type,
			    &p, &len), WIRE_INCOMPLETE);
		}
	}
}

/* Replayed, reordered and in-order records on one direction. */
static void
test_order(void)
{
	uint8_t			 r0[128], r1[128], r2[128], r3[128], buf[128];
	uint8_t			 type, *p;
	long			 n0, n1, n2, n3;
	size_t			 used, len;
	struct wire_dir		*d;

	n0 = vec_hex(json, "records/0/record", r0, sizeof(r0));
	n1 = vec_hex(json, "records/1/record", r1, sizeof(r1));
	n2 = vec_hex(json, "records/2/record", r2, sizeof(r2));
	n3 = vec_hex(json, "records/4/record", r3, sizeof(r3));
	CHECK(n0 > 0 && n1 > 0 && n2 > 0 && n3 > 0);
	if ((d = wire_dir_new(k_c2s, 0, 0)) == NULL) {
		CHECK(d != NULL);
		return;
	}
	/* c2s seq 1 before seq 0: refused, and nothing advanced. */
	memcpy(buf, r3, (size_t)n3);
	CHECK_EQ(wire_open(d, buf, (size_t)n3, &used, &type, &p, &len),
	    WIRE_BAD);
	memcpy(buf, r0, (size_t)n0);
	CHECK_EQ(wire_open(d, buf, (size_t)n0, &used, &type, &p, &len),
	    WIRE_OK);
	CHECK_EQ(used, n0);
	CHECK_EQ(type, REC_EXEC);
	/* The same record again: a replay. */
	memcpy(buf, r0, (size_t)n0);
	CHECK_EQ(wire_open(d, buf, (size_t)n0, &used, &type, &p, &len),
	    WIRE_BAD);
	memcpy(buf, r3, (size_t)n3);
	CHECK_EQ(wire_open(d, buf, (size_t)n3, &used, &type, &p, &len),
	    WIRE_OK);
	CHECK_EQ(type, REC_STDIN_EOF);
	CHECK_EQ(len, 0);
	wire_dir_free(d);

	/* s2c: seq 2 where seq 1 is due, then two records in one buffer. */
	if ((d = wire_dir_new(k_s2c, 0, 0)) == NULL) {
		CHECK(d != NULL);
		return;
	}
	memcpy(buf, r1, (size_t)n1);
	CHECK_EQ(wire_open(d, buf, (size_t)n1, &used, &type, &p, &len),
	    WIRE_OK);
	CHECK_EQ(type, REC_STARTED);
	memcpy(buf, r2, (size_t)n2);
	memcpy(buf + n2, r2, (size_t)n2);
	p = NULL;
	CHECK_EQ(wire_open(d, buf, 2 * (size_t)n2, &used, &type, &p, &len),
	    WIRE_OK);
	CHECK_EQ(used, n2);
	CHECK_EQ(type, REC_STDOUT);
	check_payload(p, len, "hello\n", 6);
	CHECK_EQ(wire_open(d, buf + used, (size_t)n2, &used, &type, &p, &len),
	    WIRE_BAD);
	wire_dir_free(d);
}

static void
test_lengths(void)
{
	static const uint32_t	 bad[] = { 0, 1, 16, 65554, 65555, 0x10000000,
	    0xffffffffu };
	uint8_t			 buf[WIRE_MAXRECORD + 1], type, *p;
	uint8_t			 pl[WIRE_MAXPAYLOAD + 1];
	size_t			 i, len;
	long			 n;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wire_put32(buf, bad[i]);
		CHECK_EQ(open_at(k_c2s, 0, buf, sizeof(buf), &type, &p, &len),
		    WIRE_TOOBIG);
		CHECK_EQ(open_at(k_c2s, 0, buf, 4, &type, &p, &len),
		    WIRE_TOOBIG);
	}
	/* Valid lengths with too few bytes, then garbage that is complete. */
	wire_put32(buf, 17);
	CHECK_EQ(open_at(k_c2s, 0, buf, 20, &type, &p, &len), WIRE_INCOMPLETE);
	CHECK_EQ(open_at(k_c2s, 0, buf, 21, &type, &p, &len), WIRE_BAD);
	wire_put32(buf, 65553);
	CHECK_EQ(open_at(k_c2s, 0, buf, 65556, &type, &p, &len),
	    WIRE_INCOMPLETE);
	CHECK_EQ(open_at(k_c2s, 0, buf, 65557, &type, &p, &len), WIRE_BAD);
	/* The largest payload goes through; one byte more is refused. */
	crypto_random(pl, sizeof(pl));
	n = seal_at(k_c2s, 7, REC_STDIN, pl, WIRE_MAXPAYLOAD, buf);
	CHECK_EQ(n, WIRE_MAXRECORD);
	CHECK_EQ(wire_get32(buf), WIRE_MAXSEALED);
	CHECK_EQ(open_at(k_c2s, 7, buf, (size_t)n, &type, &p, &len), WIRE_OK);
	check_payload(p, len, pl, WIRE_MAXPAYLOAD);
	CHECK_EQ(seal_at(k_c2s, 7, REC_STDIN, pl, WIRE_MAXPAYLOAD + 1, buf),
	    -1);
	/* The smallest record. */
	n = seal_at(k_c2s, 0, REC_BYE, pl, 0, buf);
	CHECK_EQ(n, WIRE_HDRLEN + WIRE_MINSEALED);
	CHECK_EQ(open_at(k_c2s, 0, buf, (size_t)n, &type, &p, &len), WIRE_OK);
	CHECK_EQ(type, REC_BYE);
	CHECK_EQ(len, 0);
}

/* The k_c2s chain of key updates and the record at seq 2^24. */
static void
test_key_update(void)
{
	static const uint8_t	 one = 1;
	const struct crypto_part parts[] = {
		{ "rsh/1 next", 10 }, { &one, 1 }
	};
	uint8_t			 k1[32], k2[32], want[64], rec[64], rec2[64];
	uint8_t			 nonce[12], type, *p;
	struct crypto_aead	*a;
	struct wire_dir		*s;
	long			 n, wn;
	size_t			 len;

	CHECK_EQ(crypto_hmac(k1, k_c2s, 32, parts, 2), 0);
	CHECK_EQ(vec_hex(json, "handshake/k_c2s_after_2_24_records", want,
	    32), 32);
	CHECK_MEM(k1, want, 32);
	CHECK_EQ(crypto_hmac(k2, k1, 32, parts, 2), 0);
	CHECK_EQ(vec_hex(json, "handshake/k_c2s_after_2_25_records", want,
	    32), 32);
	CHECK_MEM(k2, want, 32);

	/* The vector's record at 2^24 is a PING of "hi". */
	wn = vec_hex(json, "handshake/record_c2s_seq_2_24", want, sizeof(want));
	CHECK_EQ(wn, 4 + 1 + 2 + 16);
	memcpy(rec, want, sizeof(rec));
	CHECK_EQ(open_at(k_c2s, WIRE_REKEY_EVERY, rec, (size_t)wn, &type, &p,
	    &len), WIRE_OK);
	CHECK_EQ(type, REC_PING);
	check_payload(p, len, "hi", 2);
	/* Counting up to it from 2^24 - 1 crosses the update. */
	if ((s = wire_dir_new(k_c2s, WIRE_REKEY_EVERY - 1, 1)) == NULL) {
		CHECK(s != NULL);
		return;
	}
	rec[WIRE_PAYLOADOFF] = 'x';
	CHECK_EQ(wire_seal(s, REC_PING, rec, 1), 1 + WIRE_OVERHEAD);
	memcpy(rec + WIRE_PAYLOADOFF, "hi", 2);
	CHECK_EQ(wire_seal(s, REC_PING, rec, 2), wn);
	CHECK_MEM(rec, want, (size_t)wn);
	wire_dir_free(s);
	/* Not at seq 2^24 with the old key. */
	memcpy(rec, want, sizeof(rec));
	CHECK_EQ(open_at(k1, WIRE_REKEY_EVERY, rec, (size_t)wn, &type, &p,
	    &len), WIRE_BAD);

	/* At 2^25 the key is HMAC'd again: compare with a direct seal. */
	n = seal_at(k1, 2 * WIRE_REKEY_EVERY, REC_PING, (const uint8_t *)"hi",
	    2, rec);
	CHECK_EQ(n, wn);
	wire_put32(rec2, 1 + 2 + 16);
	rec2[4] = REC_PING;
	memcpy(rec2 + 5, "hi", 2);
	memset(nonce, 0, 12);
	wire_put64(nonce + 4, 2 * WIRE_REKEY_EVERY);
	a = crypto_aead_new(k2, 1);
	CHECK(a != NULL);
	if (a != NULL) {
		CHECK_EQ(crypto_aead_seal(a, nonce, rec2, 4, rec2 + 4, 3,
		    rec2 + 7), 0);
		CHECK_MEM(rec, rec2, (size_t)wn);
	}
	crypto_aead_free(a);
	CHECK_EQ(open_at(k1, 2 * WIRE_REKEY_EVERY, rec, (size_t)n, &type, &p,
	    &len), WIRE_OK);
}

/* The sequence number never wraps: after 2^64 - 1, nothing. */
static void
test_exhaustion(void)
{
	struct wire_dir	*s, *o;
	uint8_t		 rec[64], type, *p;
	size_t		 used, len;
	long		 n;

	s = wire_dir_new(k_c2s, UINT64_MAX, 1);
	o = wire_dir_new(k_c2s, UINT64_MAX, 0);
	CHECK(s != NULL && o != NULL);
	if (s != NULL && o != NULL) {
		n = wire_seal(s, REC_BYE, rec, 0);
		CHECK_EQ(n, WIRE_OVERHEAD);
		CHECK_EQ(wire_open(o, rec, (size_t)n, &used, &type, &p, &len),
		    WIRE_OK);
		CHECK_EQ(wire_seal(s, REC_BYE, rec, 0), -1);
		/* A record sealed at seq 0 must not be accepted as a wrap. */
		n = seal_at(k_c2s, 0, REC_BYE, rec, 0, rec);
		CHECK_EQ(wire_open(o, rec, (size_t)n, &used, &type, &p, &len),
		    WIRE_BAD);
	}
	wire_dir_free(s);
	wire_dir_free(o);
	wire_dir_free(NULL);
}

struct size_rule {
	uint8_t	t;
	size_t	min, max;
};

/* What the spec's table says of type t and length len. */
static enum wire_status
table_says(const struct size_rule *r, size_t n, unsigned t, size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (r[i].t == t) {
			return len >= r[i].min && len <= r[i].max ? WIRE_OK :
			    WIRE_BAD;
		}
	}
	return WIRE_BAD;
}

/* Sizes allowed per type, per direction, as the spec's tables say. */
static void
test_checks(void)
{
	static const struct size_rule c2s[] = {
		{ 0x01, 1, 65536 }, { 0x02, 1, 65536 }, { 0x03, 0, 0 },
		{ 0x04, 1, 1 }, { 0x05, 4, 4 }, { 0x06, 0, 64 },
		{ 0x07, 0, 0 }, { 0x08, 0, 65536 }
	}, s2c[] = {
		{ 0x81, 8, 8 }, { 0x82, 1, 65536 }, { 0x83, 1, 65536 },
		{ 0x84, 10, 10 }, { 0x85, 4, 4 }, { 0x86, 2, 1026 },
		{ 0x87, 0, 64 }, { 0x88, 0, 65536 }
	};
	static const size_t	lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11,
	    63, 64, 65, 1025, 1026, 1027, 65535, 65536, 65537, SIZE_MAX };
	unsigned		t;
	size_t			j;

	for (t = 0; t < 256; t++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			CHECK_EQ(wire_check_c2s((uint8_t)t, lens[j]),
			    table_says(c2s, 8, t, lens[j]));
			CHECK_EQ(wire_check_s2c((uint8_t)t, lens[j]),
			    table_says(s2c, 8, t, lens[j]));
		}
	}
	/* A few by hand, so a wrong table above cannot hide a wrong one. */
	CHECK_EQ(wire_check_c2s(REC_SIGNAL, 1), WIRE_OK);
	CHECK_EQ(wire_check_c2s(REC_SIGNAL, 0), WIRE_BAD);
	CHECK_EQ(wire_check_c2s(REC_STARTED, 8), WIRE_BAD);
	CHECK_EQ(wire_check_s2c(REC_EXEC, 10), WIRE_BAD);
	CHECK_EQ(wire_check_s2c(REC_EXIT, 10), WIRE_OK);
	CHECK_EQ(wire_check_s2c(REC_ERROR, 1), WIRE_BAD);
}

int
main(void)
{
	if ((json = vec_load("vectors-v1.json")) == NULL) {
		fprintf(stderr, "test_wire: cannot read vectors-v1.json "
		    "(run from tests/vectors)\n");
		return 1;
	}
	CHECK_EQ(vec_hex(json, "handshake/k_c2s", k_c2s, 32), 32);
	CHECK_EQ(vec_hex(json, "handshake/k_s2c", k_s2c, 32), 32);
	test_be();
	test_vector_records();
	test_order();
	test_lengths();
	test_key_update();
	test_exhaustion();
	test_checks();
	free(json);
	return check_done("test_wire");
}
