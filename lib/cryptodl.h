/*
 * cryptodl: libcrypto loaded at run time, for rsh only.
 *
 * A caller that goes through a master, or only prints its version or an
 * option error, does no cryptography; linking libcrypto would still make
 * the dynamic loader map it and apply its relocations at every start (2.85M
 * of rsh -V's 2.95M instructions).  rsh therefore links lib/crypto.c
 * compiled with CRYPTO_DLOPEN, where every OpenSSL call goes through the
 * table below, filled from dlopen(CRYPTO_SONAME) at the first
 * cryptographic call.  rshd, the unit tests and the fuzzers link crypto.c
 * and libcrypto as before and never see this module.
 */
#ifndef RSH_CRYPTODL_H
#define RSH_CRYPTODL_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

/*
 * Every OpenSSL function crypto.c calls.  One missing here is a link error
 * for rsh (which does not link libcrypto), never a silent direct call.
 */
#define CRYPTODL_FUNCS(X)						\
	X(OPENSSL_init_crypto)						\
	X(OPENSSL_thread_stop)						\
	X(CRYPTO_memcmp)						\
	X(OSSL_PARAM_construct_utf8_string)				\
	X(OSSL_PARAM_construct_octet_string)				\
	X(OSSL_PARAM_construct_end)					\
	X(EVP_MAC_fetch)						\
	X(EVP_MAC_CTX_new)						\
	X(EVP_MAC_init)							\
	X(EVP_MAC_update)						\
	X(EVP_MAC_final)						\
	X(EVP_MAC_CTX_free)						\
	X(EVP_MD_fetch)							\
	X(EVP_MD_CTX_new)						\
	X(EVP_DigestInit_ex2)						\
	X(EVP_DigestUpdate)						\
	X(EVP_DigestFinal_ex)						\
	X(EVP_MD_CTX_free)						\
	X(EVP_KDF_fetch)						\
	X(EVP_KDF_CTX_new)						\
	X(EVP_KDF_derive)						\
	X(EVP_KDF_CTX_free)						\
	X(EVP_PKEY_new_raw_private_key_ex)				\
	X(EVP_PKEY_new_raw_public_key_ex)				\
	X(EVP_PKEY_get_raw_public_key)					\
	X(EVP_PKEY_CTX_new_from_pkey)					\
	X(EVP_PKEY_derive_init)						\
	X(EVP_PKEY_derive_set_peer_ex)					\
	X(EVP_PKEY_derive)						\
	X(EVP_PKEY_CTX_free)						\
	X(EVP_PKEY_free)						\
	X(EVP_DecodeBlock)						\
	X(EVP_EncodeBlock)						\
	X(EVP_CIPHER_fetch)						\
	X(EVP_CIPHER_CTX_new)						\
	X(EVP_CipherInit_ex2)						\
	X(EVP_CipherUpdate)						\
	X(EVP_CipherFinal_ex)						\
	X(EVP_CIPHER_CTX_ctrl)						\
	X(EVP_CIPHER_CTX_free)

/* The table: each member has its function's own type, from the headers. */
#define CRYPTODL_MEMBER(f)	__typeof__(f) *f;
struct cryptodl {
	CRYPTODL_FUNCS(CRYPTODL_MEMBER)
};
#undef CRYPTODL_MEMBER

/* Filled by cryptodl_load(); read only after it returned 0. */
extern struct cryptodl cryptodl;

/*
 * Opens CRYPTO_SONAME and resolves every function of the table, all at
 * once (RTLD_NOW).  Call it once (crypto_init does, under pthread_once).
 * 0, or -1 with the reason in cryptodl_error().  The library stays loaded
 * for the life of the process.
 */
int	cryptodl_load(void);

/* "cannot load libcrypto.so.3: ..." after a failed load. */
const char *cryptodl_error(void);

/*
 * In crypto.c compiled for rsh, each name below calls through the table.
 * They come after the struct, whose members bear the same names.
 */
#ifdef CRYPTO_DLOPEN
#define OPENSSL_init_crypto		(cryptodl.OPENSSL_init_crypto)
#define OPENSSL_thread_stop		(cryptodl.OPENSSL_thread_stop)
#define CRYPTO_memcmp			(cryptodl.CRYPTO_memcmp)
#define OSSL_PARAM_construct_utf8_string \
	(cryptodl.OSSL_PARAM_construct_utf8_string)
#define OSSL_PARAM_construct_octet_string \
	(cryptodl.OSSL_PARAM_construct_octet_string)
#define OSSL_PARAM_construct_end	(cryptodl.OSSL_PARAM_construct_end)
#define EVP_MAC_fetch			(cryptodl.EVP_MAC_fetch)
#define EVP_MAC_CTX_new			(cryptodl.EVP_MAC_CTX_new)
#define EVP_MAC_init			(cryptodl.EVP_MAC_init)
#define EVP_MAC_update			(cryptodl.EVP_MAC_update)
#define EVP_MAC_final			(cryptodl.EVP_MAC_final)
#define EVP_MAC_CTX_free		(cryptodl.EVP_MAC_CTX_free)
#define EVP_MD_fetch			(cryptodl.EVP_MD_fetch)
#define EVP_MD_CTX_new			(cryptodl.EVP_MD_CTX_new)
#define EVP_DigestInit_ex2		(cryptodl.EVP_DigestInit_ex2)
#define EVP_DigestUpdate		(cryptodl.EVP_DigestUpdate)
#define EVP_DigestFinal_ex		(cryptodl.EVP_DigestFinal_ex)
#define EVP_MD_CTX_free			(cryptodl.EVP_MD_CTX_free)
#define EVP_KDF_fetch			(cryptodl.EVP_KDF_fetch)
#define EVP_KDF_CTX_new			(cryptodl.EVP_KDF_CTX_new)
#define EVP_KDF_derive			(cryptodl.EVP_KDF_derive)
#define EVP_KDF_CTX_free		(cryptodl.EVP_KDF_CTX_free)
#define EVP_PKEY_new_raw_private_key_ex \
	(cryptodl.EVP_PKEY_new_raw_private_key_ex)
#define EVP_PKEY_new_raw_public_key_ex \
	(cryptodl.EVP_PKEY_new_raw_public_key_ex)
#define EVP_PKEY_get_raw_public_key	(cryptodl.EVP_PKEY_get_raw_public_key)
#define EVP_PKEY_CTX_new_from_pkey	(cryptodl.EVP_PKEY_CTX_new_from_pkey)
#define EVP_PKEY_derive_init		(cryptodl.EVP_PKEY_derive_init)
#define EVP_PKEY_derive_set_peer_ex	(cryptodl.EVP_PKEY_derive_set_peer_ex)
#define EVP_PKEY_derive			(cryptodl.EVP_PKEY_derive)
#define EVP_PKEY_CTX_free		(cryptodl.EVP_PKEY_CTX_free)
#define EVP_PKEY_free			(cryptodl.EVP_PKEY_free)
#define EVP_DecodeBlock			(cryptodl.EVP_DecodeBlock)
#define EVP_EncodeBlock			(cryptodl.EVP_EncodeBlock)
#define EVP_CIPHER_fetch		(cryptodl.EVP_CIPHER_fetch)
#define EVP_CIPHER_CTX_new		(cryptodl.EVP_CIPHER_CTX_new)
#define EVP_CipherInit_ex2		(cryptodl.EVP_CipherInit_ex2)
#define EVP_CipherUpdate		(cryptodl.EVP_CipherUpdate)
#define EVP_CipherFinal_ex		(cryptodl.EVP_CipherFinal_ex)
#define EVP_CIPHER_CTX_ctrl		(cryptodl.EVP_CIPHER_CTX_ctrl)
#define EVP_CIPHER_CTX_free		(cryptodl.EVP_CIPHER_CTX_free)
#endif

#endif
