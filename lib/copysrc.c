/*
 * copysrc: a tree walked as a copy stream.  Each directory is held open
 * by its descriptor and every name below the top is opened relative to
 * it with O_NOFOLLOW, so a link swapped in during the walk is sent as a
 * link or refused, never followed.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copysrc.h"
#include "copywire.h"

struct copysrc {
	struct copysrc_conf	 c;
	int			 failed;	/* the writer failed */
	unsigned long		 errors;
	uint8_t			*buf;		/* header + one chunk */
	uint8_t			*out;		/* records not yet written */
	size_t			 outlen;
	char			 path[PATH_MAX];	/* for messages */
	size_t			 pathlen;
};

#define BUFLEN	(COPYWIRE_HDRMAX + COPYWIRE_CHUNK)
/* Small records are gathered up to this before one write: a tree of small
 * files would otherwise cost the reader a wakeup per header. */
#define OUTCAP	65536
/* Smaller chunks are read: a splice costs more than a small copy. */
#define COPYSRC_SPLICE_MIN	16384
/* Less room than this in the gathered output is written out before a
 * read, rather than filled by a small data record. */
#define COPYSRC_READ_MIN	4096

int
copysrc_open(int atfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how	how;
	int		fd;

	if (resolve == 0) {
		return openat(atfd, path, flags, 0);
	}
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags;
	how.resolve = resolve;
	do {
		fd = (int)syscall(SYS_openat2, atfd, path, &how, sizeof(how));
	} while (fd == -1 && errno == EAGAIN);
	return fd;
}

struct copysrc *
copysrc_new(const struct copysrc_conf *c)
{
	struct copysrc *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return NULL;
	}
	if ((s->buf = malloc(BUFLEN)) == NULL ||
	    (s->out = malloc(OUTCAP)) == NULL) {
		free(s->buf);
		free(s->out);
		free(s);
		return NULL;
	}
	s->c = *c;
	return s;
}

static int
put_direct(struct copysrc *s, const void *p, size_t n)
{
	if (n <= OUTCAP) {
		memcpy(s->out, p, n);
		s->outlen = n;
		return 0;
	}
	if (s->c.write(s->c.ctx, p, n) == -1) {
		s->failed = 1;
		return -1;
	}
	return 0;
}

/* What is gathered, written.  0 or -1. */
static int
flush(struct copysrc *s)
{
	size_t n = s->outlen;

	s->outlen = 0;
	if (s->failed || (n > 0 && s->c.write(s->c.ctx, s->out, n) == -1)) {
		s->failed = 1;
		return -1;
	}
	return 0;
}

/* n bytes of the stream: gathered when small, else written. */
static int
put(struct copysrc *s, const void *p, size_t n)
{
	if (s->failed) {
		return -1;
	}
	if (s->outlen + n <= OUTCAP) {
		memcpy(s->out + s->outlen, p, n);
		s->outlen += n;
		return 0;
	}
	if (flush(s) == -1) {
		return -1;
	}
	return put_direct(s, p, n);
}

/* An entry that could not be sent: said here, or sent on. */
static int __attribute__((format(printf, 2, 3)))
skip(struct copysrc *s, const char *fmt, ...)
{
	char	msg[COPYWIRE_TEXTMAX];
	va_list	ap;
	size_t	n;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->errors++;
	if (s->c.say != NULL) {
		s->c.say(s->c.ctx, msg);
		return 0;
	}
	n = copywire_put_err(s->buf, msg, strlen(msg));
	return put(s, s->buf, n);
}

int
copysrc_begin(struct copysrc *s)
{
	return put(s, COPYWIRE_MAGIC, COPYWIRE_MAGICLEN);
}

int
copysrc_end(struct copysrc *s)
{
	if (put(s, s->buf, copywire_put_type(s->buf, CW_END)) == -1) {
		return -1;
	}
	return flush(s);
}

/*
 * n bytes of fd into the pipe, page references rather than copies; the
 * chunk's header is already out.  How many moved: fewer than n when the
 * file ended or failed (*err), or when splicing is refused here (*err 0,
 * the caller reads the rest).  -1 when the pipe failed.
 */
static ssize_t
splice_chunk(struct copysrc *s, int fd, size_t n, int *err)
{
	struct pollfd	pfd = { s->c.pipe_fd, POLLOUT, 0 };
	size_t		done = 0;
	ssize_t		k;

	*err = 0;
	while (done < n) {
		k = splice(fd, NULL, s->c.pipe_fd, NULL, n - done,
		    SPLICE_F_MOVE);
		if (k > 0) {
			done += (size_t)k;
			continue;
		}
		if (k == 0) {
			*err = EIO;	/* it shrank */
			break;
		}
		if (errno == EINTR) {
			continue;
		}
		if (errno == EAGAIN) {
			/* A non-blocking pipe that is full. */
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR) {
				break;
			}
			continue;
		}
		if (errno == EPIPE) {
			s->failed = 1;
			return -1;
		}
		/* EINVAL and the like: not spliceable; read() says if the
		 * file itself failed. */
		s->c.pipe_fd = -1;
		break;
	}
	return (ssize_t)done;
}

/* Up to n bytes of fd, read into the buffer after a data header: how
 * many, 0 at the file's end, -1 with errno. */
static ssize_t
read_chunk(struct copysrc *s, int fd, size_t n)
{
	ssize_t r;

	while ((r = read(fd, s->buf + 5, n)) == -1 && errno == EINTR) {
		continue;
	}
	return r;
}

/*
 * Up to want bytes of fd read as a data record straight into the gathered
 * output, sized so that it fills it: every write is then a whole OUTCAP
 * (one full record of rcp's connection), and the bytes are copied once
 * less.  How many, 0 at the file's end, -1 with errno; -2 when the
 * writer failed.
 */
static ssize_t
read_gathered(struct copysrc *s, int fd, size_t want)
{
	size_t	room = OUTCAP - s->outlen;
	ssize_t	n;

	if (s->failed) {
		return -2;
	}
	/* A sliver of room left: not worth a record of its own. */
	if (room < 5 + want && room < 5 + COPYSRC_READ_MIN) {
		if (flush(s) == -1) {
			return -2;
		}
		room = OUTCAP;
	}
	want = want < room - 5 ? want : room - 5;
	while ((n = read(fd, s->out + s->outlen + 5, want)) == -1 &&
	    errno == EINTR) {
		continue;
	}
	if (n > 0) {
		(void)copywire_put_data(s->out + s->outlen, (uint32_t)n);
		s->outlen += 5 + (size_t)n;
	}
	return n;
}

/*
 * fd (owned, closed here): a regular file's bytes, exactly st's size.
 * Through a pipe, a chunk's header promises its length before its bytes
 * are spliced; a file that shrinks meanwhile has the rest of the chunk
 * sent as zeros and ends with a failed status, which the sink discards.
 */
static int
send_file(struct copysrc *s, int fd, const struct stat *st, const char *name)
{
	uint64_t	left = (uint64_t)st->st_size;
	size_t		h, want, got;
	ssize_t		n;
	uint8_t		status = 0;
	int		err = 0;

	h = copywire_put_file(s->buf, st->st_mode & 07777, st->st_mtim.tv_sec,
	    (uint32_t)st->st_mtim.tv_nsec, left, name, strlen(name));
	if (put(s, s->buf, h) == -1) {
		goto out;
	}
	while (left > 0 && status == 0) {
		want = left < COPYWIRE_CHUNK ? (size_t)left : COPYWIRE_CHUNK;
		if (s->c.pipe_fd == -1 || want < COPYSRC_SPLICE_MIN) {
			if ((n = read_gathered(s, fd, want)) <= 0) {
				if (n == -2) {
					goto out;
				}
				err = n == 0 ? EIO : errno;
				status = 1;
				break;
			}
			got = (size_t)n;
		} else {
			(void)copywire_put_data(s->buf, (uint32_t)want);
			/* The header, and all before it, ahead of the
			 * spliced bytes. */
			if (put(s, s->buf, 5) == -1 || flush(s) == -1 ||
			    (n = splice_chunk(s, fd, want, &err)) == -1) {
				goto out;
			}
			got = (size_t)n;
			/* Splicing refused: the rest through the buffer. */
			while (got < want && err == 0) {
				if ((n = read_chunk(s, fd, want - got)) <= 0) {
					err = n == 0 ? EIO : errno;
					break;
				}
				if (put(s, s->buf + 5, (size_t)n) == -1) {
					goto out;
				}
				got += (size_t)n;
			}
			if (got < want) {
				/* The length was promised: zeros, then the
				 * failed status. */
				status = 1;
				memset(s->buf, 0, 5 + COPYWIRE_CHUNK);
				if (put(s, s->buf, want - got) == -1) {
					goto out;
				}
			}
		}
		left -= (uint64_t)got;
		if (s->c.progress != NULL && got > 0) {
			s->c.progress(s->c.ctx, name, (uint64_t)got);
		}
	}
	if (put(s, s->buf, copywire_put_fend(s->buf, status)) == 0 &&
	    status != 0) {
		(void)skip(s, "%.*s%s: %s", (int)s->pathlen, s->path, name,
		    err == EIO ? "it shrank while being read" : strerror(err));
	}
out:
	(void)close(fd);
	return s->failed ? -1 : 0;
}

static int	send_child(struct copysrc *, int, const char *, int);

/* fd (owned): a directory and everything in it. */
static int
send_dir(struct copysrc *s, int fd, const struct stat *st, const char *name,
    int depth)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n, old = s->pathlen;

	if (depth >= COPYWIRE_DEPTH) {
		(void)close(fd);
		return skip(s, "%.*s%s: directories nested deeper than 64; "
		    "skipped", (int)s->pathlen, s->path, name);
	}
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return skip(s, "%s: %s", name, strerror(errno));
	}
	n = copywire_put_dir(s->buf, st->st_mode & 07777, st->st_mtim.tv_sec,
	    (uint32_t)st->st_mtim.tv_nsec, name, strlen(name));
	(void)snprintf(s->path + old, sizeof(s->path) - old, "%s/", name);
	s->pathlen = strlen(s->path);
	if (put(s, s->buf, n) == 0) {
		while ((de = readdir(d)) != NULL && !s->failed) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0) {
				continue;
			}
			(void)send_child(s, dirfd(d), de->d_name, depth + 1);
		}
		(void)put(s, s->buf, copywire_put_type(s->buf, CW_UP));
	}
	s->pathlen = old;
	s->path[old] = '\0';
	(void)closedir(d);
	return s->failed ? -1 : 0;
}

/* An entry below the top: never followed. */
static int
send_child(struct copysrc *s, int dfd, const char *name, int depth)
{
	struct stat	st;
	char		target[COPYWIRE_LINKMAX + 1];
	ssize_t		n;
	int		fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		goto err;
	}
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(dfd, name, target, sizeof(target))) == -1) {
			goto err;
		}
		if ((size_t)n >= sizeof(target) || n == 0) {
			return skip(s, "%s%s: a link target too long to send",
			    s->path, name);
		}
		return put(s, s->buf, copywire_put_link(s->buf,
		    st.st_mtim.tv_sec, (uint32_t)st.st_mtim.tv_nsec, name,
		    strlen(name), target, (size_t)n));
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		return skip(s, "%s%s: not a regular file, directory or link; "
		    "skipped", s->path, name);
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1) {
			(void)close(fd);
		}
		goto err;
	}
	if (S_ISDIR(st.st_mode)) {
		return send_dir(s, fd, &st, name, depth);
	}
	if (S_ISREG(st.st_mode)) {
		return send_file(s, fd, &st, name);
	}
	(void)close(fd);
	return skip(s, "%s%s: changed while being read; skipped", s->path,
	    name);
err:
	return skip(s, "%s%s: %s", s->path, name, strerror(errno));
}

int
copysrc_skip(struct copysrc *s, const char *msg)
{
	return skip(s, "%s", msg);
}

int
copysrc_top(struct copysrc *s, int atfd, const char *path, uint64_t resolve,
    const char *shown)
{
	struct stat	 st;
	const char	*base;
	char		 name[COPYWIRE_NAMEMAX + 1];
	size_t		 len;
	int		 fd;

	s->pathlen = 0;
	s->path[0] = '\0';
	if (shown == NULL) {
		shown = path;
	}
	base = copywire_basename(shown, &len);
	if (!copywire_name_ok((const uint8_t *)base, len)) {
		return skip(s, "%s: name it by a path that ends in a name",
		    shown);
	}
	memcpy(name, base, len);
	name[len] = '\0';
	/* O_NONBLOCK: a FIFO put there does not hang the copy. */
	fd = copysrc_open(atfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC,
	    resolve);
	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1) {
			(void)close(fd);
		}
		/* openat2's RESOLVE_BENEATH: the path leads out. */
		return skip(s, "%s: %s", shown, resolve != 0 && errno ==
		    EXDEV ? "outside the directories this key may copy (its "
		    "copy= option)" : strerror(errno));
	}
	if (S_ISREG(st.st_mode)) {
		return send_file(s, fd, &st, name);
	}
	if (S_ISDIR(st.st_mode) && (s->c.flags & COPY_RECURSIVE)) {
		return send_dir(s, fd, &st, name, 0);
	}
	(void)close(fd);
	return skip(s, "%s: %s", shown, S_ISDIR(st.st_mode) ? "is a directory "
	    "(copy it with -r)" : "not a regular file");
}

unsigned long
copysrc_errors(const struct copysrc *s)
{
	return s->errors;
}

void
copysrc_free(struct copysrc *s)
{
	if (s != NULL) {
		free(s->buf);
		free(s->out);
		free(s);
	}
}
