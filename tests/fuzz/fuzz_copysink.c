/*
 * fuzz_copysink: the copy stream's receiving end (lib/copysink.c) on
 * arbitrary bytes, writing into a scratch directory emptied after each
 * input.  The first byte picks the sink's setup: bit 0 -r, bit 1 -p,
 * bit 2 a destination that is a name (not a directory), bit 3 the
 * top-level names rcp would expect ("f", "d"); the second byte where the
 * rest is cut in two feeds.  A stream judged bad must have said why, and
 * nothing may ever land outside the scratch directory (its parent holds
 * nothing else: checked after every input).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copysink.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	top[] = "/tmp/fuzz_copysink.XXXXXX";
static char	dir[sizeof(top) + 8];
static int	said;

static void
say(void *ctx, const char *msg)
{
	(void)ctx;
	if (msg[0] == '\0') {
		abort();
	}
	said++;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	if (f->level > 0) {
		(void)remove(path);
	}
	return 0;
}

/* The scratch directory's parent holds only the scratch directory. */
static void
check_outside(void)
{
	DIR		*d = opendir(top);
	struct dirent	*e;

	if (d == NULL) {
		abort();
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "in") != 0) {
			abort();
		}
	}
	closedir(d);
}

/* At exit: the scratch directories go too. */
static void
cleanup(void)
{
	(void)nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	(void)rmdir(top);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*expect[] = { "f", "d" };
	struct copysink_conf	 c;
	struct copysink		*s;
	enum copysink_state	 st;
	size_t			 cut;
	int			 dfd;

	if (dir[0] == '\0') {
		if (mkdtemp(top) == NULL) {
			abort();
		}
		snprintf(dir, sizeof(dir), "%s/in", top);
		if (mkdir(dir, 0700) == -1) {
			abort();
		}
		(void)atexit(cleanup);
	}
	if (size < 2 || (dfd = open(dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.dirfd = dfd;
	c.flags = (data[0] & 1 ? COPY_RECURSIVE : 0) |
	    (data[0] & 2 ? COPY_PRESERVE : 0);
	c.asname = data[0] & 4 ? "as" : NULL;
	if (data[0] & 8) {
		c.expect = expect;
		c.nexpect = 2;
	}
	c.say = say;
	said = 0;
	if ((s = copysink_new(&c)) == NULL) {
		abort();
	}
	cut = data[1] % (size - 1);
	st = copysink_feed(s, data + 2, cut);
	if (st != COPYSINK_BAD) {
		st = copysink_feed(s, data + 2 + cut, size - 2 - cut);
	}
	if (st != COPYSINK_BAD) {
		st = copysink_end(s);
	}
	if (st == COPYSINK_BAD && said == 0) {
		abort();
	}
	copysink_free(s);
	(void)close(dfd);
	check_outside();
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
