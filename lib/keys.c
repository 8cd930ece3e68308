/*
 * keys: key files (protocol-v1.md, "Keys and names").
 *
 * The file is read whole into one buffer (textfile_read_secret) and
 * parsed in place, rather than through stdio or getline(), so that every
 * copy of a secret is ours to wipe: stdio's buffer and realloc()'s
 * abandoned blocks would be freed with the keys still in them.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keyname.h"
#include "keys.h"
#include "log.h"
#include "textfile.h"

#define KEYS_B64LEN	44		/* base64 of 32 bytes, padded */
#define KEYS_FLEET	"fleet:"	/* before a client's fleet key */
#define KEYS_WS		" \t\r"

struct keyent {
	struct key	 key;
	size_t		 line;		/* where it was defined */
};

struct keyring {
	struct keyent	*ents;
	size_t		 n;
	size_t		 cap;
};

int
keys_id_valid(const void *id, size_t len)
{
	const unsigned char *p = id;
	size_t i;

	if (len < 1 || len > KEYS_MAXIDLEN)
		return 0;
	for (i = 0; i < len; i++) {
		if (!(p[i] >= 'a' && p[i] <= 'z') &&
		    !(p[i] >= 'A' && p[i] <= 'Z') &&
		    !(p[i] >= '0' && p[i] <= '9') && p[i] != '.' &&
		    p[i] != '_' && p[i] != '@' && p[i] != '-')
			return 0;
	}
	return 1;
}

/* Room for one more key, moving the PSKs by hand so none is left behind. */
static struct keyent *
keys_new_ent(struct keyring *kr)
{
	struct keyent *ents;
	size_t cap;

	if (kr->n == kr->cap) {
		cap = kr->cap == 0 ? 8 : kr->cap * 2;
		if ((ents = calloc(cap, sizeof(*ents))) == NULL)
			return NULL;
		if (kr->n > 0)
			memcpy(ents, kr->ents, kr->n * sizeof(*ents));
		if (kr->ents != NULL) {
			crypto_wipe(kr->ents, kr->cap * sizeof(*ents));
			free(kr->ents);
		}
		kr->ents = ents;
		kr->cap = cap;
	}
	memset(&kr->ents[kr->n], 0, sizeof(kr->ents[kr->n]));
	return &kr->ents[kr->n];
}

/* Client: the remaining fields, lowercased, up to a '#' comment. */
static int
keys_set_patterns(struct key *k, char *rest)
{
	char *f, *save = NULL, *s, **v;
	size_t n = 0;

	for (s = rest; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
	for (f = strtok_r(rest, KEYS_WS, &save); f != NULL && *f != '#';
	    f = strtok_r(NULL, KEYS_WS, &save)) {
		/* Room for this one and the NULL after it. */
		if ((v = reallocarray(k->patterns, n + 2, sizeof(*v))) == NULL)
			return -1;
		k->patterns = v;
		k->patterns[n + 1] = NULL;
		if ((k->patterns[n] = strdup(f)) == NULL)
			return -1;
		n++;
	}
	return 0;
}

/* Server: the rest of the line as it stands, for the policy to parse. */
static int
keys_set_options(struct key *k, char *rest)
{
	size_t len;

	rest += strspn(rest, KEYS_WS);
	len = strlen(rest);
	while (len > 0 && strchr(KEYS_WS, rest[len - 1]) != NULL)
		rest[--len] = '\0';
	if (len == 0 || rest[0] == '#')
		return 0;
	return (k->options = strdup(rest)) == NULL ? -1 : 0;
}

/* Frees what a key holds besides itself, wiping the PSK. */
static void
keys_clear(struct key *k)
{
	size_t i;

	if (k->patterns != NULL) {
		for (i = 0; k->patterns[i] != NULL; i++)
			free(k->patterns[i]);
		free(k->patterns);
	}
	free(k->options);
	crypto_wipe(k, sizeof(*k));
}

/*
 * The entry for this key id that serves this server name: one with this
 * name= or with none (keys_conflict keeps a key id from having both).
 * Every entry is compared, id and name whole (both NUL-padded to the
 * same size): how long it takes says neither where a key stands in the
 * file nor whether it exists, under that name or another.
 */
static const struct keyent *
keys_lookup(const struct keyring *kr, const char *id, size_t idlen,
    const char *name, size_t namelen)
{
	const struct keyent *found = NULL;
	char want[KEYS_MAXIDLEN + 1], wname[KEYS_MAXNAMELEN + 1];
	size_t i;

	/* A NUL inside would match a shorter name's padding. */
	if (idlen > KEYS_MAXIDLEN || namelen > KEYS_MAXNAMELEN ||
	    (namelen > 0 && memchr(name, '\0', namelen) != NULL))
		return NULL;
	memset(want, 0, sizeof(want));
	memcpy(want, id, idlen);
	memset(wname, 0, sizeof(wname));
	if (namelen > 0)
		memcpy(wname, name, namelen);
	for (i = 0; i < kr->n; i++) {
		const struct keyent *e = &kr->ents[i];
		int same = crypto_memeq_ct(e->key.id, want, sizeof(want)) == 0;
		int named = crypto_memeq_ct(e->key.name, wname,
		    sizeof(wname)) == 0;

		/* Both compared whatever the id gave: no early way out. */
		same &= named | (e->key.namelen == 0);
		found = same && found == NULL ? e : found;
	}
	return found;
}

/*
 * Server, at load: an earlier entry that would answer for the same key
 * id and a name k answers for (the same name=, or either without one),
 * or NULL.
 */
static const struct keyent *
keys_conflict(const struct keyring *kr, size_t upto, const struct key *k)
{
	const struct key *e;
	size_t i;

	for (i = 0; i < upto; i++) {
		e = &kr->ents[i].key;
		if (strcmp(e->id, k->id) == 0 && (e->namelen == 0 ||
		    k->namelen == 0 || strcmp(e->name, k->name) == 0))
			return &kr->ents[i];
	}
	return NULL;
}

/* Adds a checked key and the rest of its line to kr.  0 or -1 (memory). */
static int
keys_add(struct keyring *kr, int kind, size_t lineno, const char *id,
    size_t idlen, const uint8_t psk[CRYPTO_KEYLEN], char *rest)
{
	struct keyent		*e;
	struct crypto_part	 part;

	if ((e = keys_new_ent(kr)) == NULL)
		return -1;
	memcpy(e->key.id, id, idlen);
	e->key.id[idlen] = '\0';
	e->key.idlen = idlen;
	part.p = psk;
	part.len = CRYPTO_KEYLEN;
	if (kind == KEYS_SERVER_FP) {
		/* The line holds the fingerprint; the secret stays zeros. */
		memcpy(e->key.fp, psk, CRYPTO_KEYLEN);
	} else if (crypto_sha256(e->key.fp, &part, 1) == -1) {
		keys_clear(&e->key);
		return -1;
	} else {
		memcpy(e->key.psk, psk, CRYPTO_KEYLEN);
	}
	e->line = lineno;
	if ((kind != KEYS_CLIENT ? keys_set_options(&e->key, rest) :
	    keys_set_patterns(&e->key, rest)) == -1) {
		keys_clear(&e->key);
		return -1;
	}
	kr->n++;
	return 0;
}

/*
 * Server: the new key k's name= read, and no earlier line answering for
 * its id and name.  0, or -1 with a sentence in err.
 */
static int
keys_check_server(const struct keyring *kr, struct key *k, const char *path,
    size_t lineno, char *err, size_t errlen)
{
	const struct keyent *dup;

	if (keyname_read(k, path, lineno, err, errlen) == -1)
		return -1;
	if ((dup = keys_conflict(kr, kr->n - 1, k)) == NULL)
		return 0;
	if (k->namelen > 0 && dup->key.namelen > 0) {
		log_errbuf(err, errlen, "%s:%zu: key id %s for name %s is "
		    "already on line %zu", path, lineno, k->id, k->name,
		    dup->line);
	} else {
		log_errbuf(err, errlen, "%s:%zu: key id %s is already on line "
		    "%zu%s", path, lineno, k->id, dup->line, k->namelen > 0 ||
		    dup->key.namelen > 0 ? " (a line without name= serves "
		    "every name)" : "");
	}
	return -1;
}

/*
 * One line, NUL terminated.  Adds its key to kr, or does nothing for a
 * blank line or a comment; -1 with a sentence in err.
 */
static int
keys_parse_line(struct keyring *kr, int kind, const char *path,
    size_t lineno, char *line, char *err, size_t errlen)
{
	uint8_t psk[48];	/* room for what 44 characters can decode to */
	struct key *k;
	char *id, *b64;
	size_t idlen, b64len, flen = strlen(KEYS_FLEET);
	int fleet, ret = -1;

	id = line + strspn(line, KEYS_WS);
	if (*id == '\0' || *id == '#')
		return 0;
	idlen = strcspn(id, KEYS_WS);
	b64 = id + idlen + strspn(id + idlen, KEYS_WS);
	b64len = strcspn(b64, KEYS_WS);
	fleet = b64len >= flen && strncmp(b64, KEYS_FLEET, flen) == 0;
	if (fleet) {
		b64 += flen;
		b64len -= flen;
	}
	if (!keys_id_valid(id, idlen)) {
		log_errbuf(err, errlen, "%s:%zu: a key id is 1 to 64 "
		    "characters from A-Z a-z 0-9 . _ @ -", path, lineno);
		goto out;
	}
	id[idlen] = '\0';
	if (b64len == 0 || *b64 == '#') {
		log_errbuf(err, errlen, "%s:%zu: key id %s has no key", path,
		    lineno, id);
	} else if (fleet && kind != KEYS_CLIENT) {
		log_errbuf(err, errlen, "%s:%zu: key id %s is a fleet key, "
		    "which belongs in a client's key file only; give this "
		    "server the line rsh --derive NAME prints", path, lineno,
		    id);
	} else if (b64len != KEYS_B64LEN) {
		log_errbuf(err, errlen, "%s:%zu: key is not %d characters of "
		    "base64", path, lineno, KEYS_B64LEN);
	} else if (crypto_b64decode(psk, sizeof(psk), b64, b64len) !=
	    CRYPTO_KEYLEN) {
		log_errbuf(err, errlen, "%s:%zu: key is not base64 for %d "
		    "bytes", path, lineno, CRYPTO_KEYLEN);
	} else if (keys_add(kr, kind, lineno, id, idlen, psk,
	    b64 + b64len) == -1) {
		log_errbuf(err, errlen, "%s:%zu: out of memory", path, lineno);
	} else
		ret = 0;
	if (ret == 0) {
		k = &kr->ents[kr->n - 1].key;
		k->fleet = fleet;
		if (kind != KEYS_CLIENT && keys_check_server(kr, k, path,
		    lineno, err, errlen) == -1)
			ret = -1;
	}
out:
	crypto_wipe(psk, sizeof(psk));
	return ret;
}

/* Every line of buf[0..len), which is NUL terminated at len and holds
 * no other NUL (keys_read). */
static int
keys_parse(struct keyring *kr, int kind, const char *path, char *buf,
    size_t len, char *err, size_t errlen)
{
	char *line = buf, *end = buf + len, *nl;
	size_t lineno = 0, linelen;

	while (line < end) {
		lineno++;
		nl = memchr(line, '\n', (size_t)(end - line));
		linelen = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		line[linelen] = '\0';
		if (keys_parse_line(kr, kind, path, lineno, line, err,
		    errlen) == -1)
			return -1;
		line += linelen + 1;
	}
	return 0;
}

void
keys_forget_secrets(struct keyring *kr)
{
	for (size_t i = 0; kr != NULL && i < kr->n; i++) {
		crypto_wipe(kr->ents[i].key.psk, sizeof(kr->ents[i].key.psk));
	}
}

struct keyring *
keys_load_public(const char *path, const char *buf, size_t len, char *err,
    size_t errlen)
{
	struct keyring *kr;
	char *copy;

	if (memchr(buf, '\0', len) != NULL) {
		log_errbuf(err, errlen, "keys file %s: a NUL byte in what the "
		    "privileged part handed over", path);
		return NULL;
	}
	if ((copy = malloc(len + 1)) == NULL ||
	    (kr = calloc(1, sizeof(*kr))) == NULL) {
		free(copy);
		log_errbuf(err, errlen, "keys file %s: out of memory", path);
		return NULL;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (keys_parse(kr, KEYS_SERVER_FP, path, copy, len, err,
	    errlen) == -1) {
		keys_free(kr);
		kr = NULL;
	}
	free(copy);
	return kr;
}

struct keyring *
keys_load(const char *path, int kind, char *err, size_t errlen)
{
	const char *what = kind == KEYS_SERVER ? "keys file" : "key file";
	struct keyring *kr = NULL;
	size_t cap, len;
	char *buf;

	if ((buf = textfile_read_secret(path, what, &len, &cap, err, errlen)) == NULL)
		goto err0;
	if ((kr = calloc(1, sizeof(*kr))) == NULL) {
		log_errbuf(err, errlen, "%s %s: out of memory", what, path);
		goto err1;
	}
	if (keys_parse(kr, kind, path, buf, len, err, errlen) == -1) {
		keys_free(kr);
		kr = NULL;
	}
err1:
	crypto_wipe(buf, cap);
	free(buf);
err0:
	return kr;
}

void
keys_free(struct keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++)
		keys_clear(&kr->ents[i].key);
	if (kr->ents != NULL) {
		crypto_wipe(kr->ents, kr->cap * sizeof(*kr->ents));
		free(kr->ents);
	}
	free(kr);
}

size_t
keys_count(const struct keyring *kr)
{
	return kr->n;
}

const struct key *
keys_at(const struct keyring *kr, size_t i)
{
	return i < kr->n ? &kr->ents[i].key : NULL;
}

const struct key *
keys_find_id(const struct keyring *kr, const char *id, size_t idlen,
    const char *name, size_t namelen)
{
	const struct keyent *e;

	e = keys_lookup(kr, id, idlen, name, namelen);
	return e != NULL ? &e->key : NULL;
}

size_t
keys_index(const struct keyring *kr, const struct key *k)
{
	/* k is the first member of its entry. */
	return (size_t)((const struct keyent *)(const void *)k - kr->ents);
}

size_t
keys_line(const struct keyring *kr, size_t i)
{
	return kr->ents[i].line;
}

const struct key *
keys_find_host(const struct keyring *kr, const char *name)
{
	const struct key *k;
	size_t i, j;

	for (i = 0; i < kr->n; i++) {
		k = &kr->ents[i].key;
		if (k->patterns == NULL)
			return k;
		for (j = 0; k->patterns[j] != NULL; j++) {
			if (fnmatch(k->patterns[j], name, FNM_CASEFOLD) == 0)
				return k;
		}
	}
	return NULL;
}

int
keys_generate_line(const char *id, int fleet, char *out, size_t outlen)
{
	uint8_t psk[CRYPTO_KEYLEN];
	char b64[KEYS_B64LEN + 1];
	int n, ret = -1;

	if (!keys_id_valid(id, strnlen(id, KEYS_MAXIDLEN + 1)))
		return -1;
	if (crypto_random(psk, sizeof(psk)) == -1 ||
	    crypto_b64encode(b64, sizeof(b64), psk, sizeof(psk)) == -1)
		goto out;
	n = snprintf(out, outlen, "%s %s%s\n", id, fleet ? KEYS_FLEET : "",
	    b64);
	if (n < 0 || (size_t)n >= outlen) {
		crypto_wipe(out, outlen);
		goto out;
	}
	ret = 0;
out:
	crypto_wipe(b64, sizeof(b64));
	crypto_wipe(psk, sizeof(psk));
	return ret;
}
