/*
 * floor: the least a caller of rsh must cost, for bench/run.sh's floors
 * (issue 19).
 *
 * Built twice by the Makefile.  floor-crypto, dynamically linked with
 * libcrypto as any OpenSSL client is, does what every client of protocol
 * v1 must do in one process before its command can leave: start OpenSSL
 * as lib/crypto.c does, make an X25519 key from 32 random bytes (its
 * public half included) and derive one shared secret, compute one
 * HMAC-SHA256 and seal one AES-256-GCM record.  floor-spawn (built with
 * FLOOR_NO_CRYPTO, libc only) does none of it: a libc program's start.
 *
 * Then, given a command, each spawns it and waits for it, and exits with
 * its status: `floor-crypto bash -c true` is the crypto floor and the
 * shell floor as one command, which tools/timeit can run eight at a time
 * beside eight `rsh HOST true`.
 *
 * usage: floor-crypto [COMMAND [ARG...]]
 *        floor-spawn [COMMAND [ARG...]]
 */
#include <sys/random.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef FLOOR_NO_CRYPTO
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#endif

extern char **environ;

#ifndef FLOOR_NO_CRYPTO
/*
 * The work, with the calls and flags lib/crypto.c uses (no openssl.cnf,
 * no legacy name tables, no atexit), each algorithm fetched once by name.
 * The peer's public key is the base point (u = 9): any valid u-coordinate
 * costs the same scalar multiplication.
 */
static int
crypto_work(void)
{
	static const uint8_t	 peer[32] = { 9 };
	uint8_t			 priv[32], pub[32], secret[32], mac[32];
	uint8_t			 nonce[12] = { 0 }, rec[64] = { 0 }, tag[16];
	uint8_t			 fin[EVP_MAX_BLOCK_LENGTH];
	char			 digest[] = "SHA256";
	OSSL_PARAM		 params[2];
	EVP_PKEY		*key = NULL, *other = NULL;
	EVP_PKEY_CTX		*pctx = NULL;
	EVP_MAC			*hmac = NULL;
	EVP_MAC_CTX		*mctx = NULL;
	EVP_CIPHER		*gcm = NULL;
	EVP_CIPHER_CTX		*cctx = NULL;
	size_t			 len = sizeof(pub), slen = sizeof(secret);
	size_t			 maclen;
	int			 outl, rc = -1;

	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT,
	    NULL) != 1 ||
	    getrandom(priv, sizeof(priv), 0) != (ssize_t)sizeof(priv)) {
		goto out;
	}
	/* X25519: the key, its public half, one derive. */
	if ((key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
	    sizeof(priv))) == NULL ||
	    EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 ||
	    (other = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer,
	    sizeof(peer))) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(pctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(pctx, other, 0) != 1 ||
	    EVP_PKEY_derive(pctx, secret, &slen) != 1) {
		goto out;
	}
	/* One HMAC-SHA256 over the public key. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (mctx = EVP_MAC_CTX_new(hmac)) == NULL ||
	    EVP_MAC_init(mctx, secret, sizeof(secret), params) != 1 ||
	    EVP_MAC_update(mctx, pub, sizeof(pub)) != 1 ||
	    EVP_MAC_final(mctx, mac, &maclen, sizeof(mac)) != 1) {
		goto out;
	}
	/* One AES-256-GCM seal of a small record, keyed by the secret. */
	if ((gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL ||
	    (cctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex2(cctx, gcm, secret, NULL, 1, NULL) != 1 ||
	    EVP_CipherInit_ex2(cctx, NULL, NULL, nonce, -1, NULL) != 1 ||
	    EVP_CipherUpdate(cctx, NULL, &outl, mac, (int)sizeof(mac)) != 1 ||
	    EVP_CipherUpdate(cctx, rec, &outl, rec, (int)sizeof(rec)) != 1 ||
	    EVP_CipherFinal_ex(cctx, fin, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_AEAD_GET_TAG, (int)sizeof(tag),
	    tag) != 1) {
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(cctx);
	EVP_CIPHER_free(gcm);
	EVP_MAC_CTX_free(mctx);
	EVP_MAC_free(hmac);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(other);
	EVP_PKEY_free(key);
	OPENSSL_cleanse(priv, sizeof(priv));
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}
#endif

int
main(int argc, char **argv)
{
	pid_t	pid;
	int	e, st;

#ifndef FLOOR_NO_CRYPTO
	if (crypto_work() == -1) {
		fprintf(stderr, "floor-crypto: OpenSSL failed\n");
		return 1;
	}
#endif
	if (argc < 2) {
		return 0;
	}
	if ((e = posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1,
	    environ)) != 0) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], strerror(e));
		return 127;
	}
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			perror("floor: waitpid");
			return 1;
		}
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
