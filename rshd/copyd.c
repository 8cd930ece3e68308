/*
 * copyd: the copy helper.  It holds no privilege: it is the key's account
 * running one program.  What confines a key with copy= is here: each
 * root is opened once, every path the client names is resolved beneath
 * one with openat2(2) (RESOLVE_BENEATH: no "..", no absolute link, no
 * link out, checked by the kernel as it walks), and below that the
 * shared sink and source open one name at a time with O_NOFOLLOW.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copysink.h"
#include "copysrc.h"
#include "copywire.h"
#include "netio.h"

#include "copyd.h"

#define MAXROOTS	64
#define EXIT_PARTIAL	1
#define EXIT_FATAL	2

struct copyd {
	const char	*root[MAXROOTS];
	int		 rootfd[MAXROOTS];
	int		 nroots;
	int		 flags;		/* COPY_* */
	int		 to;		/* -t: we receive */
	int		 need_dir;	/* -d */
	char		**paths;	/* the client's paths */
	int		 npaths;
};

static void
say(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "rsh-copy: %s\n", msg);
}

static int
write_all(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	return netio_write_full(STDOUT_FILENO, p, n);
}

/*
 * Where path is: *at and *rel to open it from, *resolve the openat2
 * flags.  With roots, an absolute path must lie in one (by whole
 * components), a relative one is taken from the first.  0, or -1 (said
 * in msg).
 */
static int
locate(const struct copyd *d, const char *path, int *at, const char **rel,
    uint64_t *resolve, char *msg, size_t msglen)
{
	if (d->nroots == 0) {
		*at = AT_FDCWD;
		*rel = path;
		*resolve = 0;
		return 0;
	}
	*resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	*at = d->rootfd[0];
	*rel = path;
	for (int i = 0; path[0] == '/' && i < d->nroots; i++) {
		size_t n = strcmp(d->root[i], "/") == 0 ? 0 :
		    strlen(d->root[i]);

		if (strncmp(path, d->root[i], n) == 0 && (path[n] == '/' ||
		    path[n] == '\0')) {
			*at = d->rootfd[i];
			*rel = path + n + strspn(path + n, "/");
			break;
		}
		*rel = NULL;
	}
	if (*rel == NULL) {
		snprintf(msg, msglen, "%s: outside the directories this key "
		    "may copy (its copy= option)", path);
		return -1;
	}
	if (**rel == '\0') {
		*rel = ".";
	}
	return 0;
}

/* -t: DEST, a directory the entries go into, or a name the one goes to. */
static int
receive(const struct copyd *d, const char *dest)
{
	struct copysink_conf	 c;
	struct copysink		*s;
	static uint8_t		 buf[COPYWIRE_CHUNK];
	char			 msg[1024], parent[4096], *asname = NULL;
	const char		*rel, *base;
	uint64_t		 resolve;
	size_t			 len;
	int			 at, dfd, eof, rc = EXIT_FATAL;
	enum copysink_state	 st = COPYSINK_MORE;

	if (locate(d, dest, &at, &rel, &resolve, msg, sizeof(msg)) == -1) {
		say(NULL, msg);
		return EXIT_FATAL;
	}
	dfd = copysrc_open(at, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	    resolve);
	if (dfd == -1 && (errno == ENOENT || errno == ENOTDIR) &&
	    !d->need_dir) {
		base = copywire_basename(rel, &len);
		if (!copywire_name_ok((const uint8_t *)base, len) ||
		    (size_t)(base - rel) >= sizeof(parent)) {
			fprintf(stderr, "rsh-copy: %s: not a name to copy "
			    "to\n", dest);
			return EXIT_FATAL;
		}
		memcpy(parent, rel, (size_t)(base - rel));
		parent[base - rel] = '\0';
		if ((asname = strndup(base, len)) == NULL) {
			return EXIT_FATAL;
		}
		dfd = copysrc_open(at, parent[0] != '\0' ? parent : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC, resolve);
	}
	if (dfd == -1) {
		fprintf(stderr, "rsh-copy: %s: %s\n", dest, errno == EXDEV ?
		    "outside the directories this key may copy (its copy= "
		    "option)" : strerror(errno));
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.dirfd = dfd;
	c.asname = asname;
	c.flags = d->flags;
	c.say = say;
	if ((s = copysink_new(&c)) == NULL) {
		goto out;
	}
	while (st == COPYSINK_MORE) {
		st = copysink_read(s, STDIN_FILENO, buf, sizeof(buf), &eof);
		if (eof) {
			st = copysink_end(s);
		}
	}
	rc = st == COPYSINK_BAD ? EXIT_FATAL : copysink_errors(s) > 0 ?
	    EXIT_PARTIAL : 0;
	copysink_free(s);
out:
	if (dfd != -1) {
		(void)close(dfd);
	}
	free(asname);
	return rc;
}

/* -f: each SRC, in order, one top-level entry each. */
static int
send_paths(const struct copyd *d, char **paths, int n)
{
	struct copysrc_conf	 c;
	struct copysrc		*s;
	char			 msg[1024];
	const char		*rel;
	uint64_t		 resolve;
	int			 at, rc = EXIT_FATAL;

	memset(&c, 0, sizeof(c));
	c.flags = d->flags;
	c.write = write_all;
	c.pipe_fd = STDOUT_FILENO;	/* rshd's pipe; splice says if not */
	if ((s = copysrc_new(&c)) == NULL || copysrc_begin(s) == -1) {
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (locate(d, paths[i], &at, &rel, &resolve, msg,
		    sizeof(msg)) == -1) {
			if (copysrc_skip(s, msg) == -1) {
				goto out;
			}
		} else if (copysrc_top(s, at, rel, resolve, paths[i]) == -1) {
			goto out;
		}
	}
	if (copysrc_end(s) == 0) {
		rc = copysrc_errors(s) > 0 ? EXIT_PARTIAL : 0;
	}
out:
	copysrc_free(s);
	return rc;
}

/*
 * rshd's words, "-R ROOT"... "--", then the client's: the two are parsed
 * apart so that a client's "-R /" is an unknown option, never a root.
 */
static int
parse(struct copyd *d, int argc, char **argv)
{
	int ch, mode = 0, i = 1;

	for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (strcmp(argv[i], "-R") != 0 || i + 1 >= argc ||
		    d->nroots == MAXROOTS) {
			return -1;
		}
		d->root[d->nroots++] = argv[i + 1];
	}
	if (i >= argc) {
		return -1;
	}
	/* getopt from argv[i], "--", taken as the program's name. */
	argc -= i;
	argv += i;
	optind = 1;
	while ((ch = getopt(argc, argv, "+tfrpsd")) != -1) {
		switch (ch) {
		case 't':
		case 'f':
			mode++;
			d->to = ch == 't';
			break;
		case 'r':
			d->flags |= COPY_RECURSIVE;
			break;
		case 'p':
			d->flags |= COPY_PRESERVE;
			break;
		case 's':
			d->flags |= COPY_SYNC;
			break;
		case 'd':
			d->need_dir = 1;
			break;
		default:
			return -1;
		}
	}
	if (mode != 1 || optind >= argc || (d->to && optind + 1 != argc)) {
		return -1;
	}
	d->paths = argv + optind;
	d->npaths = argc - optind;
	return 0;
}

int
copyd_main(int argc, char **argv)
{
	struct copyd	d;
	int		rc = EXIT_FATAL;

	memset(&d, 0, sizeof(d));
	if (parse(&d, argc, argv) == -1) {
		fprintf(stderr, "rsh-copy: usage: rsh-copy -t|-f [-r] [-p] "
		    "[-s] [-d] -- PATH...\n");
		return EXIT_FATAL;
	}
	for (int i = 0; i < d.nroots; i++) {
		d.rootfd[i] = open(d.root[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d.rootfd[i] == -1) {
			fprintf(stderr, "rsh-copy: copy= directory %s: %s\n",
			    d.root[i], strerror(errno));
			d.nroots = i;
			goto out;
		}
	}
	rc = d.to ? receive(&d, d.paths[0]) : send_paths(&d, d.paths,
	    d.npaths);
out:
	for (int i = 0; i < d.nroots; i++) {
		(void)close(d.rootfd[i]);
	}
	return rc;
}
