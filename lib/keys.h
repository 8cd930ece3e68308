/*
 * keys: key files (protocol-v1.md, "Keys and names").
 *
 * Client file: "KEYID BASE64 [HOSTPATTERN...]" lines, first match wins;
 * "KEYID fleet:BASE64 ..." is a fleet key, from which the key for each
 * server name is derived (keyname.h).
 * Server file: "KEYID BASE64 [OPTIONS]" lines.  An option name=NAME
 * binds the line to that server name; a key id appears once, or on
 * several lines each with a name= of its own.
 * Blank lines and '#' comments are allowed in both.  A file readable or
 * writable by group or others, or owned by neither the user nor root, is
 * refused.  Nothing here prints: errors go to the caller's err buffer as
 * one sentence naming the file and line.
 */
#ifndef RSH_KEYS_H
#define RSH_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define KEYS_MAXIDLEN	64
#define KEYS_MAXNAMELEN	255	/* a server name, as on the wire */

struct key {
	char	  id[KEYS_MAXIDLEN + 1];
	size_t	  idlen;
	uint8_t	  psk[CRYPTO_KEYLEN];	/* zeros after keys_forget_secrets */
	uint8_t	  fp[CRYPTO_MACLEN];	/* SHA-256 of psk: a changed secret
					 * shows even once psk is wiped */
	char	 *options;	/* server: the rest of the line, or NULL */
	char	**patterns;	/* client: NULL-terminated host globs, or NULL */
	char	  name[KEYS_MAXNAMELEN + 1];	/* server: its name= option;
						 * "": any name */
	size_t	  namelen;
	int	  fleet;	/* client: psk is a fleet key */
};

struct keyring;

/* KEYS_SERVER_FP: a server file whose lines hold each key's fingerprint
 * (SHA-256 of the secret, in base64) where the secret would be; its keys'
 * psk stay zeros.  What rshd's privileged part hands its network part. */
enum { KEYS_CLIENT = 0, KEYS_SERVER = 1, KEYS_SERVER_FP = 2 };

/*
 * Loads a key file of the given kind.  NULL on failure with a sentence in
 * err, e.g. "keys file /etc/rsh/keys is readable by others; refusing it"
 * or "/etc/rsh/keys:3: key is not 44 characters of base64".
 */
struct keyring	*keys_load(const char *path, int kind, char *err, size_t errlen);

/*
 * Parses buf[0..len), a KEYS_SERVER_FP text (path names it in messages),
 * as keys_load does a file.
 */
struct keyring	*keys_load_public(const char *path, const char *buf,
		    size_t len, char *err, size_t errlen);

/* Frees and wipes every key; NULL does nothing. */
void		 keys_free(struct keyring *);

/* Number of keys loaded. */
size_t		 keys_count(const struct keyring *);

/* The i-th key (i < keys_count()), in file order. */
const struct key *keys_at(const struct keyring *, size_t i);

/* Where k (a key of this ring) stands: keys_at(kr, keys_index(kr, k)) is k. */
size_t		 keys_index(const struct keyring *, const struct key *k);

/* The line of the file the i-th key was read from. */
size_t		 keys_line(const struct keyring *, size_t i);

/*
 * Wipes every key's secret, keeping its fingerprint: for rshd's network
 * part, which leaves the secrets to its privileged part.
 */
void		 keys_forget_secrets(struct keyring *);

/*
 * Server: the key with this id (compared byte for byte) that serves the
 * server name name[0..namelen): a line with this name= or a line without
 * one.  NULL when none does.  Every line is compared, id and name, so
 * how long it takes says nothing of which ids and names exist.
 */
const struct key *keys_find_id(const struct keyring *, const char *id,
		    size_t idlen, const char *name, size_t namelen);

/* Client: the first key whose patterns match name (none: any), or NULL. */
const struct key *keys_find_host(const struct keyring *, const char *name);

/* 1 when id[0..len) is 1 to 64 bytes of [A-Za-z0-9._@-], else 0. */
int		 keys_id_valid(const void *id, size_t len);

/*
 * Writes a new key line "KEYID BASE64\n" (fresh random PSK) into out, or
 * with fleet "KEYID fleet:BASE64\n".  Returns 0, or -1 when id is invalid
 * or out is too small.
 */
int		 keys_generate_line(const char *id, int fleet, char *out,
		    size_t outlen);

#endif
