/*
 * keyname: keys and server names (PROTOCOL.md, "Fleet keys").  A server
 * line's name= option, read with rshd's option grammar so that nothing
 * else in the line is taken for it; the key a fleet key derives for a
 * server name; and the key a client presents to a server.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "keyname.h"
#include "log.h"
#include "netio.h"

#define KEYNAME_SALT	"rsh/1 server key"

/*
 * One option's value at *pp, as rshd's keyopts reads it: double-quoted
 * (with \" and \\ inside) or up to a ',' or a blank.  Copied into out
 * when out is not NULL; -1, with out "", when it does not fit or does
 * not end.
 */
static int
keyname_value(const char **pp, char *out, size_t outlen)
{
	const char	*p = *pp;
	size_t		 n = 0;
	int		 quoted = *p == '"';

	p += quoted;
	while (*p != '\0' && (quoted ? *p != '"' :
	    (*p != ',' && *p != ' ' && *p != '\t' && *p != '"'))) {
		if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
			p++;
		}
		if (out != NULL && n == outlen - 1) {
			out[0] = '\0';
			return -1;
		}
		if (out != NULL) {
			out[n++] = *p;
		}
		p++;
	}
	if (out != NULL) {
		out[quoted && *p != '"' ? 0 : n] = '\0';
	}
	if (quoted && *p != '"') {
		return -1;
	}
	*pp = p + quoted;
	return 0;
}

/* Server: value, name='s, checked and kept as k's name.  0 or -1. */
static int
keyname_set(struct key *k, const char *value, const char *path,
    size_t lineno, char *err, size_t errlen)
{
	char canon[KEYS_MAXNAMELEN + 1];

	if (k->namelen > 0) {
		log_errbuf(err, errlen, "%s:%zu: option 'name' given twice",
		    path, lineno);
		return -1;
	}
	if (netio_name_canon(value, canon, sizeof(canon)) == -1) {
		log_errbuf(err, errlen, "%s:%zu: name=%s is not a host name or "
		    "address", path, lineno, value);
		return -1;
	}
	/* rshd compares names byte for byte with what clients send. */
	if (strcmp(value, canon) != 0) {
		log_errbuf(err, errlen, "%s:%zu: name=%s is not in the form "
		    "clients send it; write name=%s", path, lineno, value,
		    canon);
		return -1;
	}
	k->namelen = strlen(canon);
	memcpy(k->name, canon, k->namelen + 1);
	return 0;
}

/*
 * Server: the name=NAME option, read with keyopts' grammar (a name, then
 * "=value" or not, then ',' for another) so that a name= inside a quoted
 * value is never taken for one.  The rest of the options is keyopts' to
 * judge: here a list that stops making sense ends the search.
 */
int
keyname_read(struct key *k, const char *path, size_t lineno, char *err,
    size_t errlen)
{
	char		 value[KEYS_MAXNAMELEN + 1];
	const char	*p = k->options;
	size_t		 n;
	int		 isname;

	while (p != NULL) {
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
		isname = n == 4 && strncmp(p, "name", 4) == 0 && p[4] == '=';
		p += n;
		value[0] = '\0';
		if (*p == '=') {
			p++;
			if (keyname_value(&p, isname ? value : NULL,
			    sizeof(value)) == -1 && !isname)
				break;
		}
		if (isname && value[0] == '\0') {
			log_errbuf(err, errlen, "%s:%zu: option 'name' wants a "
			    "server name of 1 to %d bytes", path, lineno,
			    KEYS_MAXNAMELEN);
			return -1;
		}
		if (isname && keyname_set(k, value, path, lineno, err,
		    errlen) == -1)
			return -1;
		p = *p == ',' ? p + 1 : NULL;
	}
	return 0;
}

const struct key *
keyname_host_key(const struct keyring *kr, const char *name, struct key *out)
{
	const struct key *k;

	memset(out, 0, sizeof(*out));
	if ((k = keys_find_host(kr, name)) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	memcpy(out->id, k->id, sizeof(out->id));
	out->idlen = k->idlen;
	out->fleet = k->fleet;
	if (!k->fleet) {
		memcpy(out->psk, k->psk, sizeof(out->psk));
	} else if (keyname_derive(out->psk, k->psk, name, strlen(name)) == -1) {
		crypto_wipe(out, sizeof(*out));
		errno = EIO;
		return NULL;
	}
	return out;
}

int
keyname_derive(uint8_t out[CRYPTO_KEYLEN], const uint8_t fleet[CRYPTO_KEYLEN],
    const char *name, size_t namelen)
{
	if (namelen == 0 || namelen > KEYS_MAXNAMELEN)
		return -1;
	return crypto_hkdf(out, KEYNAME_SALT, strlen(KEYNAME_SALT), fleet,
	    CRYPTO_KEYLEN, name, namelen);
}
