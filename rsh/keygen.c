/*
 * keygen: the line comes from lib/keys.c; here it only goes somewhere
 * safe.  The file is made 0600 at open (no window in which another user
 * could read it) and the line is wiped from memory afterwards.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "netio.h"

#include "keygen.h"

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
keygen_write(const char *id, const char *path)
{
	char	line[256];
	int	fd = 1, rc = -1;

	if (keys_generate_line(id, line, sizeof(line)) == -1) {
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
