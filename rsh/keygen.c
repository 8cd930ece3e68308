/*
 * keygen: the line comes from lib/keys.c; here it only goes somewhere
 * safe.  --derive's lines too: each server's key from the fleet key.  The file is made 0600 at open (no window in which another user
 * could read it) and the line is wiped from memory afterwards.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keyname.h"
#include "keys.h"
#include "netio.h"

#include "keygen.h"
#include "target.h"

/* A new file, or an empty one of ours; -1 (said) otherwise. */
static int
open_key_file(const char *path)
{
	struct stat	st;
	int		fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd != -1 || errno != EEXIST) {
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != 0 || st.st_uid != geteuid()) {
		fprintf(stderr, "rsh: %s already exists; not overwriting it "
		    "(only an empty file of yours is filled in)\n", path);
		close(fd);
		return -1;
	}
	if (fchmod(fd, 0600) == -1) {
		fprintf(stderr, "rsh: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
out:
	if (fd == -1) {
		fprintf(stderr, "rsh: %s: %s\n", path, strerror(errno));
	}
	return fd;
}

int
keygen_write(const char *id, int fleet, const char *path)
{
	char	line[256];
	int	fd = 1, rc = -1;

	if (keys_generate_line(id, fleet, line, sizeof(line)) == -1) {
		fprintf(stderr, "rsh: '%s' is not a valid key id (1 to 64 of "
		    "A-Z a-z 0-9 . _ @ -)\n", id);
		return -1;
	}
	if (path != NULL && (fd = open_key_file(path)) == -1) {
		goto out;
	}
	if (netio_write_full(fd, line, strlen(line)) == -1 ||
	    (path != NULL && fsync(fd) == -1)) {
		fprintf(stderr, "rsh: %s: %s\n", path != NULL ? path :
		    "standard output", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (path != NULL && fd != -1 && close(fd) == -1 && rc == 0) {
		fprintf(stderr, "rsh: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	crypto_wipe(line, sizeof(line));
	return rc;
}

/*
 * One name's line: t's fleet key line, the key derived for t's server
 * name, written whole with write(2) so that no stdio buffer keeps it.
 */
static int
derive_one(const struct target *t, const struct keyring *keys)
{
	const struct key	*k;
	uint8_t			 psk[CRYPTO_KEYLEN];
	char			 b64[48], line[KEYS_MAXIDLEN + 48 + 6 +
				    KEYS_MAXNAMELEN + 2];
	int			 n, rc = -1;

	if ((k = keys_find_host(keys, t->name)) == NULL) {
		fprintf(stderr, "rsh: no key for %s in %s\n", t->name,
		    t->keypath);
		return -1;
	}
	if (!k->fleet) {
		fprintf(stderr, "rsh: the key for %s in %s (key id %s) is not "
		    "a fleet key; make one with rsh --keygen KEYID --fleet\n",
		    t->name, t->keypath, k->id);
		return -1;
	}
	if (keyname_derive(psk, k->psk, t->name, strlen(t->name)) == -1 ||
	    crypto_b64encode(b64, sizeof(b64), psk, sizeof(psk)) == -1) {
		fprintf(stderr, "rsh: cannot derive the key for %s: "
		    "libcrypto's HKDF failed\n", t->name);
		goto out;
	}
	n = snprintf(line, sizeof(line), "%s %s name=%s\n", k->id, b64,
	    t->name);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    netio_write_full(1, line, (size_t)n) == -1) {
		fprintf(stderr, "rsh: standard output: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	crypto_wipe(line, sizeof(line));
	crypto_wipe(b64, sizeof(b64));
	crypto_wipe(psk, sizeof(psk));
	return rc;
}

int
keygen_derive(const struct opts *o, char *const *names, int n)
{
	struct target	 t;
	struct keyring	*keys = NULL;
	char		 err[1024], path[sizeof(t.keypath)] = "";
	int		 rc = 0;

	/* Each name as rsh NAME would go there: its key file, its server
	 * name (ServerName, canonical form); a file read once in a row. */
	for (int i = 0; i < n && rc == 0; i++) {
		if (target_resolve(&t, names[i], o) == -1) {
			rc = -1;
			break;
		}
		if (keys == NULL || strcmp(path, t.keypath) != 0) {
			keys_free(keys);
			(void)strlcpy(path, t.keypath, sizeof(path));
			if ((keys = keys_load(path, KEYS_CLIENT, err,
			    sizeof(err))) == NULL) {
				fprintf(stderr, "rsh: %s\n", err);
				rc = -1;
				break;
			}
		}
		rc = derive_one(&t, keys);
	}
	keys_free(keys);
	return rc;
}
