/*
 * crypto: a thin layer over OpenSSL libcrypto, EVP interfaces only.
 *
 * The algorithms are fetched once per process: a fetch takes a lock and
 * searches the provider store, which would dominate the cost of sealing a
 * small record.  The AEAD context keeps its key schedule between calls so
 * that a record costs one cipher pass and no allocation.  An X25519 key
 * keeps its EVP_PKEY for the same reason: importing raw bytes into one
 * costs a scalar multiplication (the public half) and a trip through the
 * provider, so it is done once per key, not once per use.
 *
 * Compiled with CRYPTO_DLOPEN (rsh only), every OpenSSL call goes through
 * cryptodl.h's table, and crypto_init() fills it: each function that
 * needs libcrypto calls crypto_init() first, so the library is loaded at
 * the first cryptographic call and never before.  crypto_wipe() and
 * crypto_random() need no libcrypto in either build.
 */
#include <sys/random.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto.h"
#ifdef CRYPTO_DLOPEN
#include "cryptodl.h"
#endif

static EVP_MAC		*alg_hmac;
static EVP_KDF		*alg_hkdf;
static EVP_MD		*alg_sha256;
static EVP_CIPHER	*alg_gcm;

struct crypto_aead {
	EVP_CIPHER_CTX	*ctx;
	int		 encrypt;
};

struct crypto_x25519_key {
	EVP_PKEY	*pkey;
	uint8_t		 pub[CRYPTO_KEYLEN];
};

/* crypto_init()'s one run, and whether it succeeded. */
static pthread_once_t	 once_init = PTHREAD_ONCE_INIT;
static atomic_int	 ready;

/*
 * One fetch per algorithm, each once per process and only when first
 * needed: the first fetch of an operation builds every method of that
 * kind (for ciphers, most of a client's crypto start-up): a program
 * pays only for what it uses (rsh never needs HKDF).
 */
#define FETCHER(name, expr)						\
static pthread_once_t once_##name = PTHREAD_ONCE_INIT;			\
static void								\
fetch_##name(void)							\
{									\
	alg_##name = (expr);						\
}									\
static int								\
have_##name(void)							\
{									\
	if (crypto_init() == -1 ||					\
	    pthread_once(&once_##name, fetch_##name) != 0 ||		\
	    alg_##name == NULL) {					\
		return -1;						\
	}								\
	return 0;							\
}
FETCHER(hmac, EVP_MAC_fetch(NULL, "HMAC", NULL))
FETCHER(hkdf, EVP_KDF_fetch(NULL, "HKDF", NULL))
FETCHER(sha256, EVP_MD_fetch(NULL, "SHA256", NULL))
FETCHER(gcm, EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL))
#undef FETCHER

static void
init_once(void)
{
#ifdef CRYPTO_DLOPEN
	if (cryptodl_load() == -1) {
		return;
	}
#endif
	/*
	 * The protocol fixes every algorithm: openssl.cnf has nothing to
	 * choose, and parsing it is a large part of a client's start-up.
	 * Nor is the legacy table of cipher and digest names needed, as
	 * everything is fetched from the provider by its own name: filling
	 * it, and copying it into the provider's name map at the first
	 * fetch, would cost a quarter of a client's run (3.4M of 14M
	 * instructions).  Freeing it all again at exit is 0.9M more, for
	 * memory the kernel takes back anyway.  Nor are OpenSSL's error
	 * strings: nothing here prints OpenSSL's error queue, and loading
	 * them is 0.9M instructions, a tenth of a direct call's.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT,
	    NULL) != 1) {
		return;
	}
	atomic_store(&ready, 1);
}

int
crypto_init(void)
{
	if (pthread_once(&once_init, init_once) != 0 ||
	    !atomic_load(&ready)) {
		return -1;
	}
	return 0;
}

const char *
crypto_init_error(void)
{
#ifdef CRYPTO_DLOPEN
	if (cryptodl_error()[0] != '\0') {
		return cryptodl_error();
	}
#endif
	return "cannot initialize OpenSSL's libcrypto";
}

/* A thread that never used libcrypto must not load it to say so. */
void
crypto_thread_done(void)
{
	if (atomic_load(&ready)) {
		OPENSSL_thread_stop();
	}
}


int
crypto_hmac(uint8_t out[CRYPTO_MACLEN], const void *key, size_t keylen,
    const struct crypto_part *parts, size_t nparts)
{
	static const uint8_t	 nokey;
	char			 digest[] = "SHA256";
	OSSL_PARAM		 params[2];
	EVP_MAC_CTX		*ctx;
	size_t			 i, outlen;
	int			 rc = -1;

	if ((key == NULL && keylen != 0) || have_hmac() == -1 ||
	    (ctx = EVP_MAC_CTX_new(alg_hmac)) == NULL) {
		goto err0;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* A NULL key means "reuse the previous one" to EVP_MAC_init. */
	if (EVP_MAC_init(ctx, key != NULL ? key : &nokey, keylen,
	    params) != 1) {
		goto err1;
	}
	for (i = 0; i < nparts; i++) {
		if (parts[i].len != 0 &&
		    EVP_MAC_update(ctx, parts[i].p, parts[i].len) != 1) {
			goto err1;
		}
	}
	if (EVP_MAC_final(ctx, out, &outlen, CRYPTO_MACLEN) != 1 ||
	    outlen != CRYPTO_MACLEN) {
		goto err1;
	}
	rc = 0;
err1:
	EVP_MAC_CTX_free(ctx);
err0:
	return rc;
}

int
crypto_sha256(uint8_t out[CRYPTO_MACLEN], const struct crypto_part *parts,
    size_t nparts)
{
	EVP_MD_CTX	*ctx;
	unsigned int	 outlen;
	size_t		 i;
	int		 rc = -1;

	if (have_sha256() == -1 || (ctx = EVP_MD_CTX_new()) == NULL) {
		goto err0;
	}
	if (EVP_DigestInit_ex2(ctx, alg_sha256, NULL) != 1) {
		goto err1;
	}
	for (i = 0; i < nparts; i++) {
		if (parts[i].len != 0 &&
		    EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1) {
			goto err1;
		}
	}
	if (EVP_DigestFinal_ex(ctx, out, &outlen) != 1 ||
	    outlen != CRYPTO_MACLEN) {
		goto err1;
	}
	rc = 0;
err1:
	EVP_MD_CTX_free(ctx);
err0:
	return rc;
}

int
crypto_hkdf(uint8_t out[CRYPTO_KEYLEN], const void *salt, size_t saltlen,
    const void *ikm, size_t ikmlen, const void *info, size_t infolen)
{
	char		 digest[] = "SHA256";
	OSSL_PARAM	 params[5], *p = params;
	EVP_KDF_CTX	*ctx;
	int		 rc = -1;

	if (have_hkdf() == -1 || (ctx = EVP_KDF_CTX_new(alg_hkdf)) == NULL) {
		goto err0;
	}
	/* The params only point at the buffers; OpenSSL copies them. */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, ikmlen);
	/* No salt is the RFC's default: HashLen zero bytes. */
	if (saltlen != 0) {
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, saltlen);
	}
	if (infolen != 0) {
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)(uintptr_t)info, infolen);
	}
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, CRYPTO_KEYLEN, params) != 1) {
		goto err1;
	}
	rc = 0;
err1:
	EVP_KDF_CTX_free(ctx);
err0:
	return rc;
}

/*
 * Straight from the kernel: the protocol wants every nonce and key fresh
 * from the OS generator, never from user-space state that fork() or a VM
 * snapshot could duplicate (as a DRBG's can be until it reseeds).
 */
int
crypto_random(void *buf, size_t len)
{
	uint8_t	*p = buf;

	while (len > 0) {
		ssize_t r = getrandom(p, len, 0);

		if (r == -1 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

struct crypto_x25519_key *
crypto_x25519_new(const uint8_t *priv)
{
	struct crypto_x25519_key	*k = NULL;
	uint8_t				 fresh[CRYPTO_KEYLEN];
	size_t				 len = CRYPTO_KEYLEN;

	if (crypto_init() == -1 || (k = calloc(1, sizeof(*k))) == NULL) {
		goto out;
	}
	/*
	 * RFC 7748: a private key is 32 random bytes, clamped when used.
	 * They come from the public DRBG, like the nonces: the private one
	 * would cost another instantiation per thread (~70k instructions)
	 * for defence in depth only, as no DRBG output predicts another.
	 */
	if (priv == NULL) {
		if (crypto_random(fresh, sizeof(fresh)) == -1) {
			goto fail;
		}
		priv = fresh;
	}
	/* The import computes the public half; reading it is a copy. */
	k->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
	    CRYPTO_KEYLEN);
	if (k->pkey == NULL ||
	    EVP_PKEY_get_raw_public_key(k->pkey, k->pub, &len) != 1 ||
	    len != CRYPTO_KEYLEN) {
		goto fail;
	}
	goto out;
fail:
	crypto_x25519_free(k);
	k = NULL;
out:
	crypto_wipe(fresh, sizeof(fresh));
	return k;
}

const uint8_t *
crypto_x25519_pub(const struct crypto_x25519_key *k)
{
	return k->pub;
}

int
crypto_x25519_derive(const struct crypto_x25519_key *k,
    const uint8_t peer[CRYPTO_KEYLEN], uint8_t out[CRYPTO_KEYLEN])
{
	static const uint8_t	 zero[CRYPTO_KEYLEN];
	EVP_PKEY		*other;
	EVP_PKEY_CTX		*ctx;
	size_t			 len = CRYPTO_KEYLEN;
	int			 rc = -1;

	/*
	 * Besides the scalar multiplication (four fifths of the cost) only
	 * the peer's 32 bytes are imported; the context takes the key's own
	 * key management instead of fetching one by name.
	 */
	other = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer,
	    CRYPTO_KEYLEN);
	if (other == NULL) {
		goto err0;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL) {
		goto err1;
	}
	/* No peer validation: any 32 bytes are a valid u-coordinate. */
	if (EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, other, 0) != 1 ||
	    EVP_PKEY_derive(ctx, out, &len) != 1 || len != CRYPTO_KEYLEN) {
		goto err2;
	}
	/* A small-order peer point gives zero; OpenSSL checks too. */
	if (CRYPTO_memcmp(out, zero, CRYPTO_KEYLEN) == 0) {
		goto err2;
	}
	rc = 0;
err2:
	EVP_PKEY_CTX_free(ctx);
err1:
	EVP_PKEY_free(other);
err0:
	if (rc == -1) {
		crypto_wipe(out, CRYPTO_KEYLEN);
	}
	return rc;
}

void
crypto_x25519_free(struct crypto_x25519_key *k)
{
	if (k == NULL) {
		return;
	}
	/* OpenSSL cleanses the private key as it frees it. */
	EVP_PKEY_free(k->pkey);
	crypto_wipe(k, sizeof(*k));
	free(k);
}

int
crypto_memeq_ct(const void *a, const void *b, size_t len)
{
	/* Unloaded, nothing compares equal. */
	if (crypto_init() == -1) {
		return -1;
	}
	return CRYPTO_memcmp(a, b, len) == 0 ? 0 : -1;
}

/*
 * libc's, not OPENSSL_cleanse: wiping needs no libcrypto, and code that
 * only frees a buffer (a call through a master) must not load it.
 */
void
crypto_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}

/* The value of a base64 alphabet character, or -1. */
static int
b64value(unsigned char c)
{
	static const char	 set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;

	/* The NUL that ends set is no digit. */
	if (c == '\0' || (p = strchr(set, c)) == NULL) {
		return -1;
	}
	return (int)(p - set);
}

/*
 * How many '=' end in[0..inlen) (0 to 2) when it is canonical base64, or
 * -1: groups of four alphabet characters, padding only at the very end,
 * and the bits the padding leaves over all zero, so that one byte string
 * has exactly one text.
 */
static int
b64check(const char *in, size_t inlen)
{
	size_t	i;
	int	pad = 0, last;

	if (inlen % 4 != 0) {
		return -1;
	}
	if (inlen > 0 && in[inlen - 1] == '=') {
		pad = in[inlen - 2] == '=' ? 2 : 1;
	}
	for (i = 0; i < inlen - pad; i++) {
		if (b64value((unsigned char)in[i]) == -1) {
			return -1;
		}
	}
	if (pad > 0) {
		last = b64value((unsigned char)in[inlen - pad - 1]);
		if ((pad == 1 && (last & 0x03) != 0) ||
		    (pad == 2 && (last & 0x0f) != 0)) {
			return -1;
		}
	}
	return pad;
}

long
crypto_b64decode(uint8_t *out, size_t cap, const char *in, size_t inlen)
{
	uint8_t	 last[3];
	size_t	 full, outlen;
	int	 pad;
	long	 rc = -1;

	if ((pad = b64check(in, inlen)) == -1 || inlen > INT_MAX ||
	    crypto_init() == -1) {
		goto err0;
	}
	if (inlen == 0) {
		rc = 0;
		goto err0;
	}
	if ((outlen = inlen / 4 * 3 - (size_t)pad) > cap) {
		goto err0;
	}
	/*
	 * EVP_DecodeBlock writes three bytes for every group, padding
	 * included, so the last group goes through a scratch buffer: out
	 * need only hold the real length.
	 */
	full = inlen - 4;
	if (full > 0 &&
	    EVP_DecodeBlock(out, (const unsigned char *)in, (int)full) !=
	    (int)(full / 4 * 3)) {
		goto err1;
	}
	if (EVP_DecodeBlock(last, (const unsigned char *)in + full, 4) != 3) {
		goto err1;
	}
	memcpy(out + full / 4 * 3, last, 3 - (size_t)pad);
	rc = (long)outlen;
err1:
	crypto_wipe(last, sizeof(last));
	if (rc == -1) {
		crypto_wipe(out, cap);
	}
err0:
	return rc;
}

int
crypto_b64encode(char *out, size_t cap, const uint8_t *in, size_t inlen)
{
	if (inlen > INT_MAX / 4 * 3 - 3 || cap < 4 * ((inlen + 2) / 3) + 1 ||
	    crypto_init() == -1) {
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)out, in, (int)inlen);
	return 0;
}

struct crypto_aead *
crypto_aead_new(const uint8_t key[CRYPTO_KEYLEN], int encrypt)
{
	struct crypto_aead	*a;

	if (have_gcm() == -1 || (a = calloc(1, sizeof(*a))) == NULL) {
		goto err0;
	}
	a->encrypt = encrypt != 0;
	if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		goto err1;
	}
	/* GCM's default nonce length is the 12 bytes we use. */
	if (EVP_CipherInit_ex2(a->ctx, alg_gcm, key, NULL, a->encrypt,
	    NULL) != 1) {
		goto err2;
	}
	return a;
err2:
	EVP_CIPHER_CTX_free(a->ctx);
err1:
	free(a);
err0:
	return NULL;
}

int
crypto_aead_rekey(struct crypto_aead *a, const uint8_t key[CRYPTO_KEYLEN])
{
	if (EVP_CipherInit_ex2(a->ctx, NULL, key, NULL, -1, NULL) != 1) {
		return -1;
	}
	return 0;
}

/*
 * Starts one message: the nonce, then the AAD.  With no cipher and no key
 * EVP_CipherInit_ex2 only resets the GCM state, keeping the key schedule.
 */
static int
aead_start(struct crypto_aead *a, const uint8_t nonce[CRYPTO_NONCELEN],
    const uint8_t *aad, size_t aadlen, size_t len)
{
	int	outl;

	if (len > INT_MAX || aadlen > INT_MAX ||
	    EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, -1, NULL) != 1) {
		return -1;
	}
	if (aadlen != 0 &&
	    EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aadlen) != 1) {
		return -1;
	}
	return 0;
}

int
crypto_aead_seal(struct crypto_aead *a, const uint8_t nonce[CRYPTO_NONCELEN],
    const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
    uint8_t tag[CRYPTO_TAGLEN])
{
	uint8_t	fin[EVP_MAX_BLOCK_LENGTH];
	int	outl;

	if (!a->encrypt || aead_start(a, nonce, aad, aadlen, len) == -1) {
		return -1;
	}
	if (len != 0 &&
	    EVP_CipherUpdate(a->ctx, buf, &outl, buf, (int)len) != 1) {
		return -1;
	}
	/* GCM writes nothing at the end; the tag comes from a ctrl. */
	if (EVP_CipherFinal_ex(a->ctx, fin, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, CRYPTO_TAGLEN,
	    tag) != 1) {
		return -1;
	}
	return 0;
}

int
crypto_aead_open(struct crypto_aead *a, const uint8_t nonce[CRYPTO_NONCELEN],
    const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
    const uint8_t tag[CRYPTO_TAGLEN])
{
	uint8_t	fin[EVP_MAX_BLOCK_LENGTH];
	int	outl;

	if (a->encrypt || aead_start(a, nonce, aad, aadlen, len) == -1) {
		return -1;
	}
	if (len != 0 &&
	    EVP_CipherUpdate(a->ctx, buf, &outl, buf, (int)len) != 1) {
		goto fail;
	}
	/* The ctrl copies the tag; it takes a non-const pointer. */
	if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, CRYPTO_TAGLEN,
	    (void *)(uintptr_t)tag) != 1 ||
	    EVP_CipherFinal_ex(a->ctx, fin, &outl) != 1) {
		goto fail;
	}
	return 0;
fail:
	/* Unauthenticated plaintext must not be mistaken for data. */
	if (len != 0) {
		crypto_wipe(buf, len);
	}
	return -1;
}

void
crypto_aead_free(struct crypto_aead *a)
{
	if (a == NULL) {
		return;
	}
	/* Resetting the context cleanses the key schedule. */
	EVP_CIPHER_CTX_free(a->ctx);
	crypto_wipe(a, sizeof(*a));
	free(a);
}
