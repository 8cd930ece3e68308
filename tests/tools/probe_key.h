/*
 * probe_key.h: the raw test clients' one way to take a key from a client
 * key file (the first line whose host patterns match name), with its key
 * id optionally replaced to try an unknown one.  A header, as each tool
 * is built from one source file.
 */
#ifndef RSH_PROBE_KEY_H
#define RSH_PROBE_KEY_H

#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "keys.h"

/* 0 with psk and keyid filled, or -1 after saying why on stderr. */
static inline int
probe_key_load(const char *prog, const char *path, const char *name,
    const char *idover, uint8_t psk[CRYPTO_KEYLEN], char *keyid,
    size_t idlen)
{
	struct keyring		*ring;
	const struct key	*k;
	char			 err[512];
	int			 rc = -1;

	if ((ring = keys_load(path, KEYS_CLIENT, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	if ((k = keys_find_host(ring, name)) == NULL) {
		fprintf(stderr, "%s: no key for %s in %s\n", prog, name, path);
	} else if (strlcpy(keyid, idover != NULL ? idover : k->id, idlen) >=
	    idlen) {
		fprintf(stderr, "%s: key id too long\n", prog);
	} else {
		memcpy(psk, k->psk, CRYPTO_KEYLEN);
		rc = 0;
	}
	keys_free(ring);
	return rc;
}

#endif
