/*
 * rcpcopy: the copy itself.  rsh-copy runs on the host over a connection
 * of our own process (rcpconn.c), or, with -S or a master, through rsh
 * in a child of ours (our own executable, or -S's program); we hold the
 * files and the stream's two ends (lib/copysrc, lib/copysink), and
 * trust nothing the server sends: the sink checks every name and size,
 * and the top-level names against the sources asked for.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copysink.h"
#include "copysrc.h"
#include "copywire.h"
#include "netio.h"

#include "rcp_int.h"

#define RCP_PIPESIZE	(1024 * 1024)

const char **
rcpcopy_argv(const struct rcp *r, int to, const char **words, int nwords,
    int *ac)
{
	const char	**av;
	int		  n = 0;

	if ((av = calloc((size_t)r->npass + (size_t)nwords + 8,
	    sizeof(*av))) == NULL) {
		return NULL;
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
	*ac = n;
	return av;
}

/*
 * Starts rsh (our own executable under its name, or -S's program)
 * running rsh-copy with words on host; *fd gets our end of its stdin
 * (to) or stdout.  0 or -1.
 */
static int
spawn(struct rcp *r, int to, const char **words, int nwords, int *fd)
{
	const char	**av;
	int		  p[2], ac, devnull;

	if ((av = rcpcopy_argv(r, to, words, nwords, &ac)) == NULL) {
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		free(av);
		return -1;
	}
	/* Room for a whole record and more: rsh reads full records, and
	 * fewer wakeups on either side.  A smaller pipe still works. */
	(void)fcntl(p[0], F_SETPIPE_SZ, RCP_PIPESIZE);
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

int
rcpcopy_status(const struct rcp *r, int st)
{
	switch (st) {
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
	case 128 + SIGHUP:
	case 128 + SIGINT:
	case 128 + SIGQUIT:
	case 128 + SIGTERM:
		/* Stopped by a signal to us, which the connection forwarded
		 * (as rsh does): as a process it killed would end. */
		return st;
	default:
		return EXIT_RCP;
	}
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
	return rcpcopy_status(r, WEXITSTATUS(st));
}

/*
 * Starts the copy's command on r's host: in our process (rcpconn.c), or
 * through an rsh child when it cannot be done there.  0, or -1 (said).
 */
static int
link_open(struct rcp *r, int to, const char **words, int nwords,
    struct copysink *cs)
{
	int k = rcpconn_start(r, to, words, nwords, cs);

	if (k == 1 && spawn(r, to, words, nwords, &r->fd) == -1) {
		fprintf(stderr, "rcp: cannot start rsh: %s\n",
		    strerror(errno));
		return -1;
	}
	return k == -1 ? -1 : 0;
}

/* Ends what link_open started (the stream's end sent): rcp's status. */
static int
link_close(struct rcp *r)
{
	if (r->conn != NULL) {
		return rcpcopy_status(r, rcpconn_finish(r));
	}
	(void)close(r->fd);
	return reap(r);
}

static int
write_all(void *ctx, const void *p, size_t n)
{
	return netio_write_full(((struct rcp *)ctx)->fd, p, n);
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
int
rcpcopy_to_host(struct rcp *r, char **src, int nsrc, const char *dest)
{
	struct copysrc_conf	 c = { r->flags, write_all, rcp_say,
	    rcp_progress, r, -1 };
	struct copysrc		*s;
	const char		*w[10];
	int			 n = words(r, w, 1), rc, sent, err;

	if (nsrc > 1) {
		w[n++] = "-d";
	}
	w[n++] = "--";
	w[n++] = dest[0] != '\0' ? dest : ".";
	if (link_open(r, 1, w, n, NULL) == -1) {
		return EXIT_RCP;
	}
	if (r->conn != NULL) {
		c.write = rcpconn_write;	/* file data read, then sent */
	} else {
		c.pipe_fd = r->fd;	/* spliced into rsh's stdin */
	}
	if ((s = copysrc_new(&c)) == NULL) {
		fprintf(stderr, "rcp: %s\n", strerror(errno));
		(void)link_close(r);
		return EXIT_RCP;
	}
	sent = copysrc_begin(s) == 0;
	for (int i = 0; sent && i < nsrc; i++) {
		sent = copysrc_top(s, AT_FDCWD, src[i], 0, NULL) == 0;
	}
	sent = sent && copysrc_end(s) == 0;
	err = errno;	/* why the stream stopped, if it did */
	rc = link_close(r);
	if (rc == 0 && !sent) {
		fprintf(stderr, "rcp: %s stopped reading the copy: %s\n",
		    r->label, strerror(err));
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

/* Reads the stream from rsh's stdout into s until it ends; r->got
 * whether any byte came, r->bad whether s refused it. */
static void
pump(struct rcp *r, struct copysink *s)
{
	static uint8_t		buf[COPYWIRE_CHUNK];
	enum copysink_state	st = COPYSINK_MORE;
	int			eof = 0;

	while (st != COPYSINK_BAD && !eof) {
		st = copysink_read(s, r->fd, buf, sizeof(buf), &eof);
		r->got |= !eof;
	}
	r->bad = st == COPYSINK_BAD;
}

/* HOST:SRC... to DEST. */
int
rcpcopy_from_host(struct rcp *r, const char **src, int nsrc, const char *dest)
{
	struct copysink_conf	 c;
	struct copysink		*s = NULL;
	const char		**w, **expect;
	char			*asname = NULL;
	size_t			 len;
	int			 n, dfd, rc = EXIT_RCP;

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
	if (r->destfd != -1) {
		dfd = r->destfd;	/* handed to us */
		r->destfd = -1;
	} else if ((dfd = open_dest(dest, nsrc, &asname)) == -1) {
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.dirfd = dfd;
	c.asname = asname;
	c.expect = expect;
	c.nexpect = (size_t)nsrc;
	c.flags = r->flags;
	c.say = rcp_say;
	c.progress = rcp_progress;
	c.ctx = r;
	if ((s = copysink_new(&c)) == NULL) {
		fprintf(stderr, "rcp: out of memory\n");
	}
	if (s == NULL || link_open(r, 0, w, n, s) == -1) {
		(void)close(dfd);
		goto out;
	}
	if (r->conn == NULL) {
		pump(r, s);
		if (r->bad) {
			/* A hostile or broken server: stop at once (in our
			 * process, the connection has already ended). */
			(void)kill(r->pid, SIGTERM);
		}
	}
	rc = link_close(r);
	if (rc > 128 && rc != EXIT_RCP) {
		/* Stopped by a signal to us, passed on: the stream was cut
		 * for that reason, not the host's (freeing the sink drops
		 * the unfinished file). */
	} else if (r->bad || ((r->got || rc == 0) &&
	    copysink_end(s) == COPYSINK_BAD)) {
		rc = EXIT_RCP;
	} else if (rc == 0 && copysink_errors(s) > 0) {
		rc = 1;
	}
	(void)close(dfd);
out:
	if (r->destfd != -1) {
		(void)close(r->destfd);
		r->destfd = -1;
	}
	copysink_free(s);
	for (int i = 0; expect != NULL && i < nsrc; i++) {
		free((char *)(uintptr_t)expect[i]);
	}
	free(expect);
	free(w);
	free(asname);
	return rc;
}
