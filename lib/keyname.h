/*
 * keyname: keys and server names (PROTOCOL.md, "Fleet keys"): the name=
 * a server's key line is bound to, and the key a fleet key derives for
 * a server name.  Nothing here prints.
 */
#ifndef RSH_KEYNAME_H
#define RSH_KEYNAME_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "keys.h"

/*
 * Server: reads k's name=NAME option from k->options, as rshd's keyopts
 * would read the list, into k->name and k->namelen (none: left "").  The
 * name must be a server name in the canonical form clients send.
 * Returns 0, or -1 with a sentence naming path and lineno in err.
 */
int		 keyname_read(struct key *k, const char *path, size_t lineno,
		    char *err, size_t errlen);

/*
 * Client: the key to present to the server called name (canonical, as
 * sent in the handshake): keys_find_host's line copied into *out, with,
 * for a fleet line, the key derived for name in place of the fleet key.
 * *out owns nothing (no patterns, no options); the caller wipes it with
 * crypto_wipe() when done.  Returns out, or NULL with errno ENOENT when
 * no line matches and EIO when the derivation failed.
 */
const struct key *keyname_host_key(const struct keyring *, const char *name,
		    struct key *out);

/*
 * out = HKDF-SHA256(salt "rsh/1 server key", IKM fleet, info name):
 * the key of the server called name[0..namelen), in canonical form
 * (PROTOCOL.md, "Fleet keys").  0 or -1.
 */
int		 keyname_derive(uint8_t out[CRYPTO_KEYLEN],
		    const uint8_t fleet[CRYPTO_KEYLEN], const char *name,
		    size_t namelen);

#endif
