/*
 * test_crypto: lib/crypto.c against published answers (RFC 4231 HMAC,
 * RFC 5869 HKDF, RFC 7748 X25519, the GCM specification's AES-256 cases)
 * and against malformed base64.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#include "check.h"

/* Hex to bytes for literals in this file; the byte count. */
static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t		n = 0;
	unsigned int	b;

	while (hex[0] != '\0' && hex[1] != '\0' && n < cap &&
	    sscanf(hex, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

static void
fill(uint8_t *p, uint8_t v, size_t n)
{
	memset(p, v, n);
}

static void
range(uint8_t *p, unsigned from, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		p[i] = (uint8_t)(from + i);
	}
}

static void
hmac_case(const uint8_t *key, size_t keylen, const char *data,
    const char *hexmac, size_t cmplen)
{
	struct crypto_part	part = { data, strlen(data) };
	uint8_t			mac[CRYPTO_MACLEN], want[CRYPTO_MACLEN];

	CHECK_EQ(unhex(want, sizeof(want), hexmac), cmplen);
	CHECK_EQ(crypto_hmac(mac, key, keylen, &part, 1), 0);
	CHECK_MEM(mac, want, cmplen);
}

/* RFC 4231, test cases 1 to 7, HMAC-SHA-256. */
static void
test_hmac(void)
{
	uint8_t			key[131], data[50], mac[32], mac2[32];
	struct crypto_part	part, split[3];

	fill(key, 0x0b, 20);
	hmac_case(key, 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7", 32);
	hmac_case((const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843",
	    32);
	/* Cases 3 and 4 have binary data. */
	fill(key, 0xaa, 20);
	fill(data, 0xdd, 50);
	part.p = data;
	part.len = 50;
	CHECK_EQ(crypto_hmac(mac, key, 20, &part, 1), 0);
	unhex(mac2, 32, "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");
	CHECK_MEM(mac, mac2, 32);
	range(key, 1, 25);
	fill(data, 0xcd, 50);
	CHECK_EQ(crypto_hmac(mac, key, 25, &part, 1), 0);
	unhex(mac2, 32, "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b");
	CHECK_MEM(mac, mac2, 32);
	/* Case 5: the RFC gives only the first 128 bits. */
	fill(key, 0x0c, 20);
	hmac_case(key, 20, "Test With Truncation",
	    "a3b6167473100ee06e0c796c2955552b", 16);
	fill(key, 0xaa, 131);
	hmac_case(key, 131, "Test Using Larger Than Block-Size Key - Hash Key "
	    "First", "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54", 32);
	hmac_case(key, 131, "This is a test using a larger than block-size "
	    "key and a larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.",
	    "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2",
	    32);
	/* Parts are one concatenated message, empty parts included. */
	split[0].p = "Hi ";
	split[0].len = 3;
	split[1].p = "";
	split[1].len = 0;
	split[2].p = "There";
	split[2].len = 5;
	fill(key, 0x0b, 20);
	CHECK_EQ(crypto_hmac(mac, key, 20, split, 3), 0);
	unhex(mac2, 32, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	CHECK_MEM(mac, mac2, 32);
	/* An empty key is a key of zero bytes, not "no key". */
	CHECK_EQ(crypto_hmac(mac, NULL, 0, split, 3), 0);
	CHECK_EQ(crypto_hmac(mac2, "", 0, split, 3), 0);
	CHECK_MEM(mac, mac2, 32);
}

static void
hkdf_case(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
    size_t ikmlen, const uint8_t *info, size_t infolen, const char *okm)
{
	uint8_t	out[CRYPTO_KEYLEN], want[CRYPTO_KEYLEN];

	/* L is 32 here: the first 32 bytes of the RFC's longer OKM. */
	CHECK_EQ(unhex(want, sizeof(want), okm), 32);
	CHECK_EQ(crypto_hkdf(out, salt, saltlen, ikm, ikmlen, info, infolen),
	    0);
	CHECK_MEM(out, want, 32);
}

/* RFC 5869, test cases 1 to 3 (SHA-256). */
static void
test_hkdf(void)
{
	uint8_t	ikm[80], salt[80], info[80];

	fill(ikm, 0x0b, 22);
	range(salt, 0x00, 13);
	range(info, 0xf0, 10);
	hkdf_case(salt, 13, ikm, 22, info, 10,
	    "3cb25f25faacd57a90434f64d0362f2a"
	    "2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865");
	range(ikm, 0x00, 80);
	range(salt, 0x60, 80);
	range(info, 0xb0, 80);
	hkdf_case(salt, 80, ikm, 80, info, 80,
	    "b11e398dc80327a1c8e7f78c596a4934"
	    "4f012eda2d4efad8a050cc4c19afa97c");
	fill(ikm, 0x0b, 22);
	hkdf_case(NULL, 0, ikm, 22, NULL, 0,
	    "8da4e775a563c18f715f802a063c5a31"
	    "b8a11f5c5ee1879ec3454e5f3c738d2d");
}

static void
test_sha256(void)
{
	struct crypto_part	parts[2] = { { "a", 1 }, { "bc", 2 } };
	uint8_t			d[32], want[32];

	unhex(want, 32, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	CHECK_EQ(crypto_sha256(d, parts, 2), 0);
	CHECK_MEM(d, want, 32);
	unhex(want, 32, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	CHECK_EQ(crypto_sha256(d, NULL, 0), 0);
	CHECK_MEM(d, want, 32);
}

static void
b64_reject(const char *text, size_t cap)
{
	uint8_t	out[64];

	CHECK_EQ(crypto_b64decode(out, cap, text, strlen(text)), -1);
}

static void
test_base64(void)
{
	uint8_t	in[64], out[64];
	char	text[128];
	size_t	n;

	crypto_random(in, sizeof(in));
	for (n = 0; n <= sizeof(in); n++) {
		CHECK_EQ(crypto_b64encode(text, 4 * ((n + 2) / 3) + 1, in, n),
		    0);
		CHECK_EQ(strlen(text), 4 * ((n + 2) / 3));
		/* Exactly the decoded length is room enough. */
		CHECK_EQ(crypto_b64decode(out, n, text, strlen(text)),
		    (long)n);
		CHECK_MEM(out, in, n);
		if (n > 0) {
			CHECK_EQ(crypto_b64decode(out, n - 1, text,
			    strlen(text)), -1);
		}
	}
	CHECK_EQ(crypto_b64encode(text, 4, (const uint8_t *)"abc", 3), -1);
	CHECK_EQ(crypto_b64encode(text, 5, (const uint8_t *)"abc", 3), 0);
	CHECK(strcmp(text, "YWJj") == 0);
	CHECK_EQ(crypto_b64decode(out, 3, "QUI=", 4), 2);
	CHECK_MEM(out, "AB", 2);
	CHECK_EQ(crypto_b64decode(out, 3, "QQ==", 4), 1);
	CHECK_MEM(out, "A", 1);
	/* Not canonical: padding bits set, so two texts for one value. */
	b64_reject("QUJ=", 3);
	b64_reject("QR==", 3);
	/* Wrong length, misplaced padding, characters outside the set. */
	b64_reject("QQ=", 3);
	b64_reject("QQ", 3);
	b64_reject("Q===", 3);
	b64_reject("====", 3);
	b64_reject("QQ=A", 3);
	b64_reject("QQ==QUJD", 6);
	b64_reject("=QUJ", 3);
	b64_reject(" QUJD", 3);
	b64_reject("QUJD ", 3);
	b64_reject("QUJD\n", 3);
	b64_reject("QU JD", 3);
	b64_reject("QUJ-", 3);
	b64_reject("QUJ_", 3);
	b64_reject("QUJ\x80", 3);
	CHECK_EQ(crypto_b64decode(out, 3, "QU\0D", 4), -1);
	CHECK_EQ(crypto_b64decode(out, 0, "", 0), 0);
}

static void
x25519_case(const char *scalar, const char *u, const char *want)
{
	struct crypto_x25519_key	*key;
	uint8_t				 k[32], pt[32], w[32], out[32];

	unhex(k, 32, scalar);
	unhex(pt, 32, u);
	CHECK_EQ(unhex(w, 32, want), 32);
	CHECK((key = crypto_x25519_new(k)) != NULL);
	if (key == NULL) {
		return;
	}
	CHECK_EQ(crypto_x25519_derive(key, pt, out), 0);
	CHECK_MEM(out, w, 32);
	crypto_x25519_free(key);
}

/* RFC 7748 sections 5.2 and 6.1, and the all-zero result. */
static void
test_x25519(void)
{
	static const uint8_t		 zero[32];
	struct crypto_x25519_key	*ka, *kb;
	uint8_t				 a[32], b[32], want[32], out[32];
	uint8_t				 out2[32], small[32], base[32];

	x25519_case("a546e36bf0527c9d3b16154b82465edd"
	    "62144c0ac1fc5a18506a2244ba449ac4",
	    "e6db6867583030db3594c1a424b15f7c"
	    "726624ec26b3353b10a903a6d0ab1c4c",
	    "c3da55379de9c6908e94ea4df28d084f"
	    "32eccf03491c71f754b4075577a28552");
	/* Its u has bit 255 set, which must be masked. */
	x25519_case("4b66e9d4d1b4673c5ad22691957d6af5"
	    "c11b6421e0ea01d42ca4169e7918ba0d",
	    "e5210f12786811d3f4b7959d0538ae2c"
	    "31dbe7106fc03c3efc4cd549c715a493",
	    "95cbde9476e8907d7aade45cb4b873f8"
	    "8b595a68799fa152e6f8f7647aac7957");
	unhex(a, 32, "77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a");
	unhex(b, 32, "5dab087e624a8a4b79e17f8b83800ee6"
	    "6f3bb1292618b6fd1c2f8b27ff88e0eb");
	ka = crypto_x25519_new(a);
	kb = crypto_x25519_new(b);
	CHECK(ka != NULL && kb != NULL);
	if (ka == NULL || kb == NULL) {
		goto out;
	}
	unhex(want, 32, "8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a");
	CHECK_MEM(crypto_x25519_pub(ka), want, 32);
	unhex(want, 32, "de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f");
	CHECK_MEM(crypto_x25519_pub(kb), want, 32);
	unhex(want, 32, "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742");
	CHECK_EQ(crypto_x25519_derive(ka, crypto_x25519_pub(kb), out), 0);
	CHECK_MEM(out, want, 32);
	CHECK_EQ(crypto_x25519_derive(kb, crypto_x25519_pub(ka), out), 0);
	CHECK_MEM(out, want, 32);
	/* A key is not used up by a derivation. */
	CHECK_EQ(crypto_x25519_derive(kb, crypto_x25519_pub(ka), out), 0);
	CHECK_MEM(out, want, 32);
	/* Small-order points give an all-zero secret: refused, out wiped. */
	memset(small, 0, 32);
	CHECK_EQ(crypto_x25519_derive(ka, small, out), -1);
	CHECK_MEM(out, zero, 32);
	small[0] = 1;
	memset(out, 0xa5, 32);
	CHECK_EQ(crypto_x25519_derive(ka, small, out), -1);
	CHECK_MEM(out, zero, 32);
	unhex(small, 32, "e0eb7a7c3b41b8ae1656e3faf19fc46a"
	    "da098deb9c32b1fd866205165f49b800");
	CHECK_EQ(crypto_x25519_derive(ka, small, out), -1);
	crypto_x25519_free(ka);
	crypto_x25519_free(kb);

	/* Fresh pairs: different each time, and they agree. */
	ka = crypto_x25519_new(NULL);
	kb = crypto_x25519_new(NULL);
	CHECK(ka != NULL && kb != NULL);
	if (ka == NULL || kb == NULL) {
		goto out;
	}
	CHECK(memcmp(crypto_x25519_pub(ka), crypto_x25519_pub(kb), 32) != 0);
	/* The public half is X25519(priv, 9): it belongs to the private. */
	memset(base, 0, 32);
	base[0] = 9;
	CHECK_EQ(crypto_x25519_derive(ka, base, want), 0);
	CHECK_MEM(want, crypto_x25519_pub(ka), 32);
	CHECK_EQ(crypto_x25519_derive(ka, crypto_x25519_pub(kb), out), 0);
	CHECK_EQ(crypto_x25519_derive(kb, crypto_x25519_pub(ka), out2), 0);
	CHECK_MEM(out, out2, 32);
out:
	crypto_x25519_free(ka);
	crypto_x25519_free(kb);
	crypto_x25519_free(NULL);
}

/* The GCM specification's AES-256 test cases 13 and 14, then tampering. */
static void
test_aead(void)
{
	struct crypto_aead	*s, *o;
	uint8_t			 key[32], nonce[12], buf[64], orig[64];
	uint8_t			 tag[16], want[32], aad[13], c[64], *p;
	size_t			 i;

	memset(key, 0, 32);
	memset(nonce, 0, 12);
	s = crypto_aead_new(key, 1);
	o = crypto_aead_new(key, 0);
	CHECK(s != NULL && o != NULL);
	if (s == NULL || o == NULL) {
		goto out;
	}
	CHECK_EQ(crypto_aead_seal(s, nonce, NULL, 0, buf, 0, tag), 0);
	unhex(want, 16, "530f8afbc74536b9a963b4f1c4cb738b");
	CHECK_MEM(tag, want, 16);
	CHECK_EQ(crypto_aead_open(o, nonce, NULL, 0, buf, 0, tag), 0);
	memset(buf, 0, 16);
	CHECK_EQ(crypto_aead_seal(s, nonce, NULL, 0, buf, 16, tag), 0);
	unhex(want, 32, "cea7403d4d606b6e074ec5d3baf39d18"
	    "d0d1c8a799996bf0265b98b5d48ab919");
	CHECK_MEM(buf, want, 16);
	CHECK_MEM(tag, want + 16, 16);
	/* A context is reused: the same input gives the same output. */
	memset(buf, 0, 16);
	CHECK_EQ(crypto_aead_seal(s, nonce, NULL, 0, buf, 16, tag), 0);
	CHECK_MEM(buf, want, 16);
	CHECK_EQ(crypto_aead_open(o, nonce, NULL, 0, buf, 16, tag), 0);
	CHECK_MEM(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	/* Wrong direction. */
	CHECK_EQ(crypto_aead_open(s, nonce, NULL, 0, buf, 16, tag), -1);
	CHECK_EQ(crypto_aead_seal(o, nonce, NULL, 0, buf, 16, tag), -1);

	crypto_random(key, 32);
	CHECK_EQ(crypto_aead_rekey(s, key), 0);
	CHECK_EQ(crypto_aead_rekey(o, key), 0);
	crypto_random(orig, sizeof(orig));
	crypto_random(aad, sizeof(aad));
	crypto_random(nonce, sizeof(nonce));
	memcpy(buf, orig, sizeof(buf));
	CHECK_EQ(crypto_aead_seal(s, nonce, aad, 13, buf, 64, tag), 0);
	CHECK(memcmp(buf, orig, 64) != 0);
	/* Any flipped bit in data, tag, AAD or nonce: refused. */
	for (i = 0; i < 64 + 16 + 13 + 12; i++) {
		memcpy(c, buf, 64);
		p = i < 64 ? c + i : i < 80 ? tag + (i - 64) :
		    i < 93 ? aad + (i - 80) : nonce + (i - 93);
		*p ^= (uint8_t)(1u << (i % 8));
		CHECK_EQ(crypto_aead_open(o, nonce, aad, 13, c, 64, tag), -1);
		*p ^= (uint8_t)(1u << (i % 8));
	}
	CHECK_EQ(crypto_aead_open(o, nonce, aad, 13, buf, 64, tag), 0);
	CHECK_MEM(buf, orig, 64);
out:
	crypto_aead_free(s);
	crypto_aead_free(o);
	crypto_aead_free(NULL);
}

static void
test_misc(void)
{
	uint8_t	a[32], b[32];

	CHECK_EQ(crypto_random(a, 32), 0);
	CHECK_EQ(crypto_random(b, 32), 0);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK_EQ(crypto_memeq_ct(a, a, 32), 0);
	CHECK_EQ(crypto_memeq_ct(a, b, 32), -1);
	memcpy(b, a, 32);
	b[31] ^= 0x80;
	CHECK_EQ(crypto_memeq_ct(a, b, 32), -1);
	crypto_wipe(a, 32);
	memset(b, 0, 32);
	CHECK_MEM(a, b, 32);
}

int
main(void)
{
	/* The programs' setup, so that the vectors check what they run. */
	CHECK_EQ(crypto_init(), 0);
	test_hmac();
	test_hkdf();
	test_sha256();
	test_base64();
	test_x25519();
	test_aead();
	test_misc();
	return check_done("test_crypto");
}
