/*
 * keyfile.h: a keys file in a temporary directory of its own, for the
 * unit tests that load keys files (test_keys, test_fleet).  keyfile_open()
 * makes the directory, keyfile_close() removes it; in between, path is the
 * file that put_file() writes and load_text() loads.
 */
#ifndef RSH_KEYFILE_H
#define RSH_KEYFILE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

#include "check.h"

static char	tmpdir[64];
static char	path[128];

/* Makes /tmp/NAME.XXXXXX and names path in it; exits 2 if it cannot. */
static inline void
keyfile_open(const char *name)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s.XXXXXX", name);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/keys", tmpdir);
}

static inline void
keyfile_close(void)
{
	unlink(path);
	rmdir(tmpdir);
}

/* Writes text (len bytes) to the test file with the given mode. */
static inline void
put_file(const char *text, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) == -1) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	close(fd);
}

static inline struct keyring *
load_text(const char *text, int kind, char *err, size_t errlen)
{
	put_file(text, strlen(text), 0600);
	err[0] = '\0';
	return keys_load(path, kind, err, errlen);
}

/* Refused, with exactly this message after the file's path. */
static inline void
expect_refusal(const char *text, int kind, const char *tail)
{
	struct keyring *kr;
	char err[512], want[512];

	kr = load_text(text, kind, err, sizeof(err));
	snprintf(want, sizeof(want), "%s%s", path, tail);
	CHECK(kr == NULL);
	if (strcmp(err, want) == 0) {
		check_pass++;
	} else {
		check_fail++;
		fprintf(stderr, "file \"%s\":\n  error \"%s\"\n  want  \"%s\"\n",
		    text, err, want);
	}
	keys_free(kr);
}

#endif
