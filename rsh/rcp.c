/*
 * rcp: the command line, and the rsh that carries the copy.  rsh runs in
 * a child of ours, from our own executable, so that the copy uses this
 * very client; we hold the files and the stream's two ends (lib/copysrc,
 * lib/copysink), and trust nothing the server sends.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "copysink.h"
#include "copysrc.h"
#include "copywire.h"
#include "utf8.h"

#include "rcp.h"

#define EXIT_RCP	255
#define MAXPASS		64

struct rcp {
	const char	*pass[MAXPASS];	/* rsh's options */
	int		 npass;
	int		 flags;		/* COPY_* */
	int		 quiet;
	int		 json;		/* --json: a summary on stdout */
	int		 progress;	/* stderr is a terminal, no -q */
	char		*host;		/* owned */
	char		*user;		/* owned; NULL: rsh's choice */
	const char	*label;		/* for messages: the host */
	const char	*rsh;		/* -S: the rsh to run; NULL: ours */
	pid_t		 pid;		/* the rsh child */
	int		 fd;		/* our end of its stdin or stdout */
	/* The progress line. */
	struct timespec	 t0, last;
	uint64_t	 total;	/* data bytes copied */
};

int
rcp_called(const char *argv0)
{
	size_t		 len;
	const char	*b = copywire_basename(argv0, &len);

	return len == 3 && strncmp(b, "rcp", 3) == 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: rcp [-pqrsv] [-F config] [-k keyfile] "
	    "[-l user] [-o option] [-P port] [-S rsh]\n"
	    "           [--json] "
	    "SRC... [user@]HOST:DEST\n"
	    "       rcp [-pqrsv] [options] [user@]HOST:SRC... DEST\n");
}

static void
say(void *ctx, const char *msg)
{
	struct rcp *r = ctx;

	if (r->progress) {
		fputs("\r\033[K", stderr);
	}
	fprintf(stderr, "rcp: %s\n", msg);
}

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The progress line: the file, the bytes so far, the rate; four times a
 * second at most. */
static void
progress(void *ctx, const char *name, uint64_t bytes)
{
	struct rcp	*r = ctx;
	struct timespec	 now;
	double		 t;

	r->total += bytes;
	if (!r->progress) {
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&r->last, &now) < 0.25) {
		return;
	}
	r->last = now;
	t = since(&r->t0, &now);
	fprintf(stderr, "\r\033[K%.40s  %.1f MiB  %.1f MiB/s", name,
	    (double)r->total / 1048576.0, t > 0 ? (double)r->total /
	    1048576.0 / t : 0.0);
}

/*
 * "[user@]host:path" or "[user@][v6addr]:path": 1 with *host, *user
 * (NULL when none) and *path (into s) set, 0 for a local path (no colon
 * before the first slash), -1 when out of memory.
 */
static int
remote(const char *s, char **host, char **user, const char **path)
{
	const char	*colon, *at, *h;
	size_t		 hl;

	*host = *user = NULL;
	if (s[0] == '[' || (strchr(s, '@') != NULL && strchr(s, '@')[1] ==
	    '[')) {
		colon = strstr(s, "]:");
		colon = colon != NULL ? colon + 1 : NULL;
	} else {
		colon = strchr(s, ':');
	}
	if (colon == NULL || colon == s || memchr(s, '/',
	    (size_t)(colon - s)) != NULL) {
		return 0;
	}
	at = memchr(s, '@', (size_t)(colon - s));
	h = at != NULL ? at + 1 : s;
	hl = (size_t)(colon - h);
	if (hl > 2 && h[0] == '[') {
		h++;
		hl -= 2;
	}
	*host = strndup(h, hl);
	*user = at != NULL ? strndup(s, (size_t)(at - s)) : NULL;
	*path = colon + 1;
	if (*host == NULL || (at != NULL && *user == NULL)) {
		free(*host);
		free(*user);
		*host = *user = NULL;
		return -1;
	}
	return 1;
}

static int
parse(struct rcp *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	static const char pass_opts[] = "FkloP";
	int ch;

	while ((ch = getopt_long(argc, argv, "+F:hk:l:o:P:pqrS:sv", longopts,
	    NULL)) != -1) {
		if (r->npass + 2 > MAXPASS) {
			fprintf(stderr, "rcp: too many options\n");
			return -1;
		}
		if (strchr(pass_opts, ch) != NULL) {
			r->pass[r->npass++] = ch == 'F' ? "-F" : ch == 'k' ?
			    "-k" : ch == 'l' ? "-l" : ch == 'o' ? "-o" : "-p";
			r->pass[r->npass++] = optarg;
			continue;
		}
		switch (ch) {
		case 'p':
			r->flags |= COPY_PRESERVE;
			break;
		case 'q':
			r->quiet = 1;
			r->pass[r->npass++] = "-q";
			break;
		case 'r':
			r->flags |= COPY_RECURSIVE;
			break;
		case 'S':
			r->rsh = optarg;
			break;
		case 'J':
			r->json = 1;
			break;
		case 's':
			r->flags |= COPY_SYNC;
			break;
		case 'v':
			r->pass[r->npass++] = "-v";
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/*
 * Starts rsh (our own executable under its name) running rsh-copy with
 * words on host; *fd gets our end of its stdin (to) or stdout.  0 or -1.
 */
static int
spawn(struct rcp *r, int to, const char **words, int nwords, int *fd)
{
	const char	**av;
	int		  p[2], n = 0, devnull;

	if ((av = calloc((size_t)r->npass + (size_t)nwords + 8,
	    sizeof(*av))) == NULL) {
		return -1;
	}
	av[n++] = r->rsh != NULL ? r->rsh : "rsh";
	for (int i = 0; i < r->npass; i++) {
		av[n++] = r->pass[i];
	}
	if (r->user != NULL) {
		av[n++] = "-l";
		av[n++] = r->user;
	}
	av[n++] = "-x";
	if (!to) {
		av[n++] = "-n";
	}
	av[n++] = r->host;
	for (int i = 0; i < nwords; i++) {
		av[n++] = words[i];
	}
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		free(av);
		return -1;
	}
	fflush(NULL);
	if ((r->pid = fork()) == 0) {
		/* Single-threaded: anything goes before exec. */
		(void)dup2(to ? p[0] : devnull, STDIN_FILENO);
		(void)dup2(to ? devnull : p[1], STDOUT_FILENO);
		if (r->rsh != NULL) {
			execvp(r->rsh, (char **)(void *)av);
		} else {
			execv("/proc/self/exe", (char **)(void *)av);
		}
		fprintf(stderr, "rcp: cannot run rsh: %s\n", strerror(errno));
		_exit(EXIT_RCP);
	}
	free(av);
	(void)close(devnull);
	(void)close(to ? p[0] : p[1]);
	if (r->pid == -1) {
		(void)close(to ? p[1] : p[0]);
		return -1;
	}
	*fd = to ? p[1] : p[0];
	return 0;
}

/* rsh's end: 0 copied, 1 the server said some entry failed, 255 rsh
 * failed (it said why). */
static int
reap(struct rcp *r)
{
	int st;

	while (waitpid(r->pid, &st, 0) == -1) {
		if (errno != EINTR) {
			return EXIT_RCP;
		}
	}
	if (!WIFEXITED(st)) {
		fprintf(stderr, "rcp: rsh ended by signal %d\n",
		    WTERMSIG(st));
		return EXIT_RCP;
	}
	switch (WEXITSTATUS(st)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return 1;
	case 126:
	case 127:
		fprintf(stderr, "rcp: %s does not offer copying (its server "
		    "has no rsh-copy)\n", r->label);
		return EXIT_RCP;
	default:
		return EXIT_RCP;
	}
}

static int
write_all(void *ctx, const void *p, size_t n)
{
	const char	*b = p;
	int		 fd = ((struct rcp *)ctx)->fd;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, b, n)) == -1) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The words after rsh-copy's name: the mode, the flags, "--". */
static int
words(const struct rcp *r, const char **w, int to)
{
	int n = 0;

	w[n++] = "rsh-copy";
	w[n++] = to ? "-t" : "-f";
	if (r->flags & COPY_RECURSIVE) {
		w[n++] = "-r";
	}
	if (r->flags & COPY_PRESERVE) {
		w[n++] = "-p";
	}
	if (to && (r->flags & COPY_SYNC)) {
		w[n++] = "-s";
	}
	return n;
}

/* SRC... to HOST:DEST. */
static int
to_host(struct rcp *r, char **src, int nsrc, const char *dest)
{
	struct copysrc_conf	 c = { r->flags, write_all, say, progress, r };
	struct copysrc		*s;
	const char		*w[10];
	int			 n = words(r, w, 1), rc, sent;

	if (nsrc > 1) {
		w[n++] = "-d";
	}
	w[n++] = "--";
	w[n++] = dest[0] != '\0' ? dest : ".";
	if ((s = copysrc_new(&c)) == NULL || spawn(r, 1, w, n,
	    &r->fd) == -1) {
		fprintf(stderr, "rcp: cannot start rsh: %s\n",
		    strerror(errno));
		copysrc_free(s);
		return EXIT_RCP;
	}
	sent = copysrc_begin(s) == 0;
	for (int i = 0; sent && i < nsrc; i++) {
		sent = copysrc_top(s, AT_FDCWD, src[i], 0, NULL) == 0;
	}
	sent = sent && copysrc_end(s) == 0;
	(void)close(r->fd);
	rc = reap(r);
	if (rc == 0 && !sent) {
		fprintf(stderr, "rcp: %s stopped reading the copy: %s\n",
		    r->label, strerror(errno));
		rc = EXIT_RCP;
	}
	if (rc == 0 && copysrc_errors(s) > 0) {
		rc = 1;
	}
	copysrc_free(s);
	return rc;
}

/*
 * DEST: the directory entries go into (*asname NULL), or the directory
 * the one entry goes into as *asname (owned).  The fd, or -1 (said).
 */
static int
open_dest(const char *dest, int nsrc, char **asname)
{
	char		*parent;
	const char	*base;
	size_t		 len;
	int		 fd;

	*asname = NULL;
	if ((fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		return fd;
	}
	if ((errno != ENOENT && errno != ENOTDIR) || nsrc > 1) {
		fprintf(stderr, "rcp: %s: %s\n", dest, nsrc > 1 && (errno ==
		    ENOENT || errno == ENOTDIR) ? "not a directory (several "
		    "sources go into one)" : strerror(errno));
		return -1;
	}
	base = copywire_basename(dest, &len);
	if (!copywire_name_ok((const uint8_t *)base, len)) {
		fprintf(stderr, "rcp: %s: not a name to copy to\n", dest);
		return -1;
	}
	if ((parent = strndup(dest, (size_t)(base - dest))) == NULL) {
		return -1;
	}
	if ((*asname = strndup(base, len)) == NULL) {
		free(parent);
		return -1;
	}
	fd = open(parent[0] != '\0' ? parent : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (fd == -1) {
		fprintf(stderr, "rcp: %s: %s\n", parent, strerror(errno));
		free(*asname);
		*asname = NULL;
	}
	free(parent);
	return fd;
}

/* Reads the stream into s until it ends.  COPYSINK_* of the last feed;
 * *got whether any byte came. */
static enum copysink_state
pump(struct rcp *r, struct copysink *s, int *got)
{
	static uint8_t		buf[COPYWIRE_CHUNK];
	enum copysink_state	st = COPYSINK_MORE;
	ssize_t			n;

	while (st != COPYSINK_BAD) {
		if ((n = read(r->fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR) {
				continue;
			}
			fprintf(stderr, "rcp: reading from rsh: %s\n",
			    strerror(errno));
			return COPYSINK_BAD;
		}
		if (n == 0) {
			break;
		}
		*got = 1;
		st = copysink_feed(s, buf, (size_t)n);
	}
	return st;
}

/* HOST:SRC... to DEST. */
static int
from_host(struct rcp *r, const char **src, int nsrc, const char *dest)
{
	struct copysink_conf	 c;
	struct copysink		*s = NULL;
	const char		**w, **expect;
	char			*asname = NULL;
	size_t			 len;
	int			 n, dfd, rc = EXIT_RCP, got = 0;

	w = calloc((size_t)nsrc + 10, sizeof(*w));
	expect = calloc((size_t)nsrc, sizeof(*expect));
	if (w == NULL || expect == NULL) {
		goto out;
	}
	n = words(r, w, 0);
	w[n++] = "--";
	for (int i = 0; i < nsrc; i++) {
		const char *b = copywire_basename(src[i], &len);

		if (!copywire_name_ok((const uint8_t *)b, len) ||
		    (expect[i] = strndup(b, len)) == NULL) {
			fprintf(stderr, "rcp: %s:%s: name it by a path that "
			    "ends in a name\n", r->label, src[i]);
			goto out;
		}
		w[n++] = src[i];
	}
	if ((dfd = open_dest(dest, nsrc, &asname)) == -1) {
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.dirfd = dfd;
	c.asname = asname;
	c.expect = expect;
	c.nexpect = (size_t)nsrc;
	c.flags = r->flags;
	c.say = say;
	c.progress = progress;
	c.ctx = r;
	if ((s = copysink_new(&c)) == NULL || spawn(r, 0, w, n,
	    &r->fd) == -1) {
		fprintf(stderr, "rcp: cannot start rsh: %s\n",
		    strerror(errno));
		(void)close(dfd);
		goto out;
	}
	if (pump(r, s, &got) == COPYSINK_BAD) {
		/* A hostile or broken server: stop at once. */
		(void)kill(r->pid, SIGTERM);
		(void)close(r->fd);
		(void)reap(r);
		rc = EXIT_RCP;
	} else {
		(void)close(r->fd);
		rc = reap(r);
		if ((got || rc == 0) && copysink_end(s) == COPYSINK_BAD) {
			rc = EXIT_RCP;
		} else if (rc == 0 && copysink_errors(s) > 0) {
			rc = 1;
		}
	}
	(void)close(dfd);
out:
	copysink_free(s);
	for (int i = 0; expect != NULL && i < nsrc; i++) {
		free((char *)(uintptr_t)expect[i]);
	}
	free(expect);
	free(w);
	free(asname);
	return rc;
}

/* Sets r's host and user from one remote operand; all must agree. */
static int
take_host(struct rcp *r, char *host, char *user)
{
	if (r->host == NULL) {
		r->host = host;
		r->user = user;
		r->label = host;
		return 0;
	}
	if (strcmp(r->host, host) != 0 || (user == NULL) != (r->user ==
	    NULL) || (user != NULL && strcmp(user, r->user) != 0)) {
		fprintf(stderr, "rcp: the sources are on different hosts or "
		    "accounts (%s, %s): copy from one at a time\n", r->host,
		    host);
		free(host);
		free(user);
		return -1;
	}
	free(host);
	free(user);
	return 0;
}

static void
put_stdout(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)fwrite(p, 1, n, stdout);
}

/* --json: one object, one line, for scripts. */
static void
summary(const struct rcp *r, int to, int rc)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fputs("{\"host\":\"", stdout);
	utf8_json_escape((const uint8_t *)r->host, strlen(r->host),
	    put_stdout, NULL);
	printf("\",\"direction\":\"%s\",\"status\":%d,\"bytes\":%llu,"
	    "\"duration_ms\":%.3f}\n", to ? "to" : "from", rc,
	    (unsigned long long)r->total, since(&r->t0, &now) * 1000.0);
	(void)fflush(stdout);
}

/* One operand: 1 on a host (taken into r; *path after the colon), 0
 * local (*path the operand), -1 (said). */
static int
operand(struct rcp *r, const char *arg, const char **path)
{
	char	*host, *user;
	int	 k = remote(arg, &host, &user, path);

	if (k == -1) {
		fprintf(stderr, "rcp: out of memory\n");
		return -1;
	}
	if (k == 0) {
		*path = arg;
		return 0;
	}
	return take_host(r, host, user) == -1 ? -1 : 1;
}

int
rcp_main(int argc, char **argv)
{
	struct rcp	  r;
	const char	**paths = NULL, *path, *dpath;
	int		  nsrc, dest_remote, rc = EXIT_RCP, k;

	memset(&r, 0, sizeof(r));
	r.fd = -1;
	if (parse(&r, argc, argv) == -1) {
		return EXIT_RCP;
	}
	argv += optind;
	nsrc = argc - optind - 1;
	if ((paths = calloc((size_t)nsrc, sizeof(*paths))) == NULL ||
	    (dest_remote = operand(&r, argv[nsrc], &dpath)) == -1) {
		goto out;
	}
	for (int i = 0; i < nsrc; i++) {
		if ((k = operand(&r, argv[i], &path)) == -1) {
			goto out;
		}
		if (k == dest_remote) {
			fprintf(stderr, "rcp: %s\n", dest_remote ? "copy to a "
			    "host from local files only" : "one side must be "
			    "HOST:PATH (for a local copy, use cp; a local name "
			    "with a colon: ./NAME)");
			goto out;
		}
		if (k == 1 && path[0] == '\0') {
			fprintf(stderr, "rcp: %s: name a file to copy\n",
			    argv[i]);
			goto out;
		}
		paths[i] = path;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	r.progress = !r.quiet && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	rc = dest_remote ? to_host(&r, argv, nsrc, dpath) :
	    from_host(&r, paths, nsrc, argv[nsrc]);
	if (r.progress && r.total > 0) {
		fputc('\n', stderr);
	}
	if (r.json) {
		summary(&r, dest_remote, rc);
	}
out:
	free(paths);
	free(r.host);
	free(r.user);
	return rc;
}
