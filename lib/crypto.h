/*
 * crypto: a thin layer over OpenSSL libcrypto (EVP only).
 *
 * Every function returns 0 on success and -1 on failure unless it says
 * otherwise.  Nothing here prints; nothing keeps secrets beyond the call
 * except an aead context and an X25519 key, which crypto_aead_free() and
 * crypto_x25519_free() wipe.
 */
#ifndef RSH_CRYPTO_H
#define RSH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEYLEN	32	/* PSK, session keys, X25519 keys */
#define CRYPTO_MACLEN	32	/* HMAC-SHA256 and SHA-256 output */
#define CRYPTO_NONCELEN	12	/* AES-256-GCM nonce */
#define CRYPTO_TAGLEN	16	/* AES-256-GCM tag */

/* One piece of a message that is hashed or MACed as a concatenation. */
struct crypto_part {
	const void	*p;
	size_t		 len;
};

/*
 * Initializes libcrypto without reading openssl.cnf or loading the legacy
 * cipher and digest name tables, once per process; later calls return the
 * first one's result.  Every function here that needs libcrypto calls it
 * first, so OpenSSL never initializes itself with both.  In rsh's build
 * (CRYPTO_DLOPEN) it also loads libcrypto: a program that reports a
 * failure clearly calls it before its first cryptographic work.
 * Algorithms are fetched on first use, once per process.
 */
int	crypto_init(void);

/*
 * Why crypto_init() failed, as a sentence without a prefix
 * ("cannot load libcrypto.so.3: ...").
 */
const char *crypto_init_error(void);

/*
 * Frees libcrypto's per-thread state; a thread calls it last, so that a
 * process exiting right after sees nothing of it (OPENSSL_thread_stop).
 * Does nothing before crypto_init() succeeded.
 */
void	crypto_thread_done(void);

/* out = HMAC-SHA256(key, parts[0] || ... || parts[n-1]). */
int	crypto_hmac(uint8_t out[CRYPTO_MACLEN], const void *key, size_t keylen,
	    const struct crypto_part *parts, size_t nparts);

/* out = SHA-256(parts[0] || ... || parts[n-1]). */
int	crypto_sha256(uint8_t out[CRYPTO_MACLEN],
	    const struct crypto_part *parts, size_t nparts);

/* out = HKDF-SHA256(salt, ikm, info) with L = 32 (RFC 5869). */
int	crypto_hkdf(uint8_t out[CRYPTO_KEYLEN], const void *salt, size_t saltlen,
	    const void *ikm, size_t ikmlen, const void *info, size_t infolen);

/* Fills buf with len bytes from the OS random generator (getrandom(2)). */
int	crypto_random(void *buf, size_t len);

/*
 * An X25519 key pair (RFC 7748) that keeps OpenSSL's key object: the
 * private key is imported and its public half computed once, at creation,
 * instead of at every use.  One key serves one handshake.
 */
struct crypto_x25519_key;

/*
 * A key pair from priv's 32 bytes (tests, vectors), or a fresh one from
 * the random generator when priv is NULL.  NULL on failure.  The caller
 * owns the key and frees it with crypto_x25519_free().
 */
struct crypto_x25519_key *crypto_x25519_new(const uint8_t *priv);

/* The key's public half: 32 bytes that live as long as the key. */
const uint8_t *crypto_x25519_pub(const struct crypto_x25519_key *);

/*
 * out = X25519(key, peer).  Any 32-byte peer value is accepted (bit 255
 * masked, RFC 7748); an all-zero result is an error (-1, out wiped).
 * The key is not changed and may derive again.
 */
int	crypto_x25519_derive(const struct crypto_x25519_key *,
	    const uint8_t peer[CRYPTO_KEYLEN], uint8_t out[CRYPTO_KEYLEN]);

/* Frees the key, whose private half OpenSSL wipes; NULL does nothing. */
void	crypto_x25519_free(struct crypto_x25519_key *);

/*
 * Constant-time comparison: 0 when equal (CRYPTO_memcmp); -1 when not, or
 * when libcrypto cannot be loaded.
 */
int	crypto_memeq_ct(const void *a, const void *b, size_t len);

/*
 * Wipes len bytes at p in a way the compiler keeps (explicit_bzero); needs
 * no libcrypto.
 */
void	crypto_wipe(void *p, size_t len);

/*
 * Decodes standard base64 (with padding) from in[0..inlen) into out, which
 * has room for cap bytes.  Returns the decoded length, or -1 when the text
 * is not canonical base64 or does not fit.
 */
long	crypto_b64decode(uint8_t *out, size_t cap, const char *in, size_t inlen);

/*
 * Encodes in[0..inlen) as standard base64 with padding into out, NUL
 * terminated; cap must be at least 4 * ((inlen + 2) / 3) + 1.
 */
int	crypto_b64encode(char *out, size_t cap, const uint8_t *in, size_t inlen);

/*
 * AES-256-GCM with a key fixed per context; nonce, AAD and data per call.
 * Seal and open work in place on buf[0..len) and allocate nothing, so a
 * context can be reused for every record of a connection.
 */
struct crypto_aead;

/* A context for sealing (encrypt != 0) or opening; NULL on failure. */
struct crypto_aead *crypto_aead_new(const uint8_t key[CRYPTO_KEYLEN],
	    int encrypt);

/* Replaces the context's key (key update); the caller wipes its copy. */
int	crypto_aead_rekey(struct crypto_aead *, const uint8_t key[CRYPTO_KEYLEN]);

/* Encrypts buf in place and writes the tag. */
int	crypto_aead_seal(struct crypto_aead *, const uint8_t nonce[CRYPTO_NONCELEN],
	    const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
	    uint8_t tag[CRYPTO_TAGLEN]);

/* Decrypts buf in place; -1 when the tag does not match (buf is garbage). */
int	crypto_aead_open(struct crypto_aead *, const uint8_t nonce[CRYPTO_NONCELEN],
	    const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
	    const uint8_t tag[CRYPTO_TAGLEN]);

/* Frees and wipes; NULL does nothing. */
void	crypto_aead_free(struct crypto_aead *);

#endif
