/*
 * textfile: a file read whole into one buffer with read(2), for parsing
 * in place: the keys files and rshd's config file.  Opened without
 * blocking, so that a FIFO put in its place cannot hang the caller;
 * anything but a regular file, a file over 1 MiB and a NUL byte anywhere
 * are refused.  One buffer and no stdio, so that every copy of a secret
 * is the caller's to wipe.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "textfile.h"

#define TEXTFILE_MAX	(1024 * 1024)	/* more is no file of ours */

/* The loosest permission bit set in mode & 077, in words. */
static void
describe_mode(mode_t mode, const char **how, const char **who)
{
	mode_t bits;

	*who = mode & 007 ? "others" : "group";
	bits = mode & 007 ? mode & 007 : (mode & 070) >> 3;
	if (bits & 02)
		*how = "writable";
	else if (bits & 04)
		*how = "readable";
	else
		*how = "executable";
}

/* fstat()s fd into st and refuses anything but a regular file. */
static int
stat_regular(int fd, const char *path, const char *what,
    struct stat *st, char *err, size_t errlen)
{
	if (fstat(fd, st) == -1) {
		log_errbuf(err, errlen, "%s %s: %s", what, path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		log_errbuf(err, errlen, "%s %s is not a regular file; "
		    "refusing it", what, path);
		return -1;
	}
	return 0;
}

/*
 * Owned by the effective user or root, with no group or other permission
 * bits: 0, or -1 with a sentence in err.
 */
static int
check_perms(int fd, const char *path, const char *what, char *err,
    size_t errlen)
{
	struct stat st;
	const char *how, *who;

	if (stat_regular(fd, path, what, &st, err, errlen) == -1)
		return -1;
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		log_errbuf(err, errlen, "%s %s is owned by uid %lu, not you or "
		    "root; refusing it", what, path, (unsigned long)st.st_uid);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		describe_mode(st.st_mode, &how, &who);
		log_errbuf(err, errlen, "%s %s is %s by %s; refusing it",
		    what, path, how, who);
		return -1;
	}
	return 0;
}

/*
 * Reads the whole file into a new NUL-terminated buffer of *cap bytes.
 * The size comes from fstat(); a file that outgrows it while being read
 * is refused rather than chased.
 */
static char *
slurp(int fd, const char *path, const char *what, size_t *cap,
    size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;

	*len = 0;
	if (fstat(fd, &st) == -1) {
		log_errbuf(err, errlen, "%s %s: %s", what, path,
		    strerror(errno));
		return NULL;
	}
	if (st.st_size > TEXTFILE_MAX) {
		log_errbuf(err, errlen, "%s %s is larger than %d bytes; "
		    "refusing it", what, path, TEXTFILE_MAX);
		return NULL;
	}
	*cap = (size_t)st.st_size + 2;
	if ((buf = malloc(*cap)) == NULL) {
		log_errbuf(err, errlen, "%s %s: out of memory", what, path);
		return NULL;
	}
	while (*len < *cap - 1) {
		n = read(fd, buf + *len, *cap - 1 - *len);
		if (n == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_errbuf(err, errlen, "%s %s: %s", what, path,
			    strerror(errno));
			goto fail;
		}
		*len += (size_t)n;
	}
	if (*len == *cap - 1) {
		log_errbuf(err, errlen, "%s %s changed while being read", what,
		    path);
		goto fail;
	}
	buf[*len] = '\0';
	return buf;
fail:
	crypto_wipe(buf, *cap);
	free(buf);
	return NULL;
}

/*
 * The file, whole, with no NUL byte in it (what a crash can leave is
 * refused, never read as empty lines); secret: its permissions are
 * checked too.
 */
static char *
read_whole(const char *path, const char *what, int secret, size_t *len,
    size_t *cap, char *err, size_t errlen)
{
	struct stat st;
	const char *nul;
	char *buf = NULL;
	size_t lineno = 1;
	int fd;

	/* O_NONBLOCK: a FIFO put in its place must not hang us. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		log_errbuf(err, errlen, "%s %s: %s", what, path,
		    strerror(errno));
		goto err0;
	}
	if ((secret ? check_perms(fd, path, what, err, errlen) :
	    stat_regular(fd, path, what, &st, err, errlen)) == -1)
		goto err1;
	if ((buf = slurp(fd, path, what, cap, len, err, errlen)) == NULL)
		goto err1;
	if ((nul = memchr(buf, '\0', *len)) != NULL) {
		for (const char *p = buf; p < nul; p++)
			lineno += *p == '\n';
		log_errbuf(err, errlen, "%s:%zu: line holds a NUL byte", path,
		    lineno);
		crypto_wipe(buf, *cap);
		free(buf);
		buf = NULL;
	}
err1:
	close(fd);
err0:
	return buf;
}

char *
textfile_read(const char *path, const char *what, size_t *len, char *err,
    size_t errlen)
{
	size_t cap;

	return read_whole(path, what, 0, len, &cap, err, errlen);
}

char *
textfile_read_secret(const char *path, const char *what, size_t *len,
    size_t *cap, char *err, size_t errlen)
{
	return read_whole(path, what, 1, len, cap, err, errlen);
}
