/*
 * test_copysplice: a copy stream through a pipe, spliced at both ends
 * (copysrc's pipe_fd, copysink_read), arrives byte for byte: sizes on
 * either side of the splice threshold and of a chunk.  A file that
 * shrinks while it is spliced is sent to its promised length and marked
 * failed, and the sink keeps no part of it.  A tree of many small files
 * (records gathered into one write) arrives whole.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copysink.h"
#include "copysrc.h"
#include "netio.h"

#include "check.h"

static char	 dir[] = "/tmp/test_copysplice.XXXXXX";
static int	 out_fd = -1;
static int	 shrink_fd = -1;	/* truncated at the first progress */
static int	 flags;			/* COPY_* for both ends */

static int
write_pipe(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	return netio_write_full(out_fd, p, n);
}

static void
shrink(void *ctx, const char *name, uint64_t bytes)
{
	(void)ctx;
	(void)name;
	(void)bytes;
	if (shrink_fd != -1) {
		CHECK(ftruncate(shrink_fd, 70000) == 0);
		shrink_fd = -1;
	}
}

static void
quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* A file of n bytes (a pattern) at dir/src/name. */
static void
make_file(const char *name, size_t n)
{
	char	 path[256];
	uint8_t	*b = malloc(n + 1);
	int	 fd;

	for (size_t i = 0; i < n; i++) {
		b[i] = (uint8_t)(i * 7 + i / 251);
	}
	(void)snprintf(path, sizeof(path), "%s/src/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd != -1 && write(fd, b, n) == (ssize_t)n);
	(void)close(fd);
	free(b);
}

/*
 * Sends dir/src/name through a pipe into dir/dst: a child writes, we
 * read.  The sink's state and error count; *whole whether dst/name is
 * src/name's bytes.
 */
static enum copysink_state
send_one(const char *name, int truncate_it, unsigned long *errors,
    int *whole)
{
	struct copysink_conf	 kc;
	struct copysink		*k;
	static uint8_t		 buf[65536];
	char			 a[256], b[256], cmd[600];
	enum copysink_state	 st = COPYSINK_MORE;
	int			 p[2], dfd, eof = 0, wst;
	pid_t			 pid;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	(void)snprintf(a, sizeof(a), "%s/src/%s", dir, name);
	if ((pid = fork()) == 0) {
		struct copysrc_conf	 sc = { flags, write_pipe, quiet, NULL,
		    NULL, -1 };
		struct copysrc		*s;

		(void)close(p[0]);
		out_fd = sc.pipe_fd = p[1];
		if (truncate_it) {
			shrink_fd = open(a, O_WRONLY | O_CLOEXEC);
			sc.progress = shrink;
		}
		s = copysrc_new(&sc);
		_exit(s == NULL || copysrc_begin(s) == -1 ||
		    copysrc_top(s, AT_FDCWD, a, 0, NULL) == -1 ||
		    copysrc_end(s) == -1 ? 1 : 0);
	}
	(void)close(p[1]);
	(void)snprintf(b, sizeof(b), "%s/dst", dir);
	dfd = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memset(&kc, 0, sizeof(kc));
	kc.dirfd = dfd;
	kc.flags = flags;
	kc.say = quiet;
	k = copysink_new(&kc);
	while (st == COPYSINK_MORE && !eof) {
		st = copysink_read(k, p[0], buf, sizeof(buf), &eof);
	}
	if (eof) {
		st = copysink_end(k);
	}
	*errors = copysink_errors(k);
	copysink_free(k);
	(void)close(p[0]);
	(void)close(dfd);
	CHECK(waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) &&
	    WEXITSTATUS(wst) == 0);
	(void)snprintf(cmd, sizeof(cmd), "%s %s %s/dst/%s", flags ?
	    "diff -r" : "cmp -s", a, dir, name);
	*whole = system(cmd) == 0;
	return st;
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 16383, 16384, 65536, 65537,
	    65536 + 16383, 3 * 65536 + 20000, 1048576 + 5 };
	char		name[32], path[300];
	unsigned long	errors;
	int		whole;
	struct stat	st;

	CHECK(mkdtemp(dir) != NULL);
	(void)snprintf(path, sizeof(path), "%s/src", dir);
	CHECK(mkdir(path, 0700) == 0);
	(void)snprintf(path, sizeof(path), "%s/dst", dir);
	CHECK(mkdir(path, 0700) == 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		(void)snprintf(name, sizeof(name), "f%zu", sizes[i]);
		make_file(name, sizes[i]);
		CHECK_EQ(send_one(name, 0, &errors, &whole), COPYSINK_DONE);
		CHECK_EQ(errors, 0);
		if (!whole) {
			fprintf(stderr, "%zu bytes: copy differs\n", sizes[i]);
		}
		CHECK(whole);
	}

	/* 300000 bytes, cut to 70000 once the first chunk is out. */
	make_file("shrinks", 300000);
	CHECK_EQ(send_one("shrinks", 1, &errors, &whole), COPYSINK_DONE);
	CHECK_EQ(errors, 1);
	(void)snprintf(path, sizeof(path), "%s/dst/shrinks", dir);
	CHECK(stat(path, &st) == -1);

	/* 400 files of 0 to 14,763 bytes, in one directory. */
	(void)snprintf(path, sizeof(path), "%s/src/tree", dir);
	CHECK(mkdir(path, 0700) == 0);
	for (size_t i = 0; i < 400; i++) {
		(void)snprintf(name, sizeof(name), "tree/t%zu", i);
		make_file(name, i * 37);
	}
	flags = COPY_RECURSIVE;
	CHECK_EQ(send_one("tree", 0, &errors, &whole), COPYSINK_DONE);
	CHECK_EQ(errors, 0);
	CHECK(whole);

	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
	return check_done("test_copysplice");
}
