/*
 * copysink: a copy stream applied to a directory tree, as the bytes come.
 * One header buffer, no file ever held in memory: data goes to the file
 * as it arrives.  Every failure to write one entry is said and counted
 * and the stream goes on (its data discarded); a malformed stream stops
 * everything at once, and the file being written is removed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copysink.h"
#include "copywire.h"
#include "log.h"

struct level {
	int		fd;		/* -1: failed, its entries skipped */
	int		created;	/* made here: its mode is the source's */
	uint32_t	mode;
	int64_t		mtime;
	uint32_t	nsec;
	size_t		pathlen;	/* path's length before its name */
};

struct copysink {
	struct copysink_conf	c;
	enum copysink_state	result;
	size_t			magic;		/* magic bytes matched */
	uint8_t			hdr[COPYWIRE_HDRMAX];
	size_t			hlen;
	struct level		lv[COPYWIRE_DEPTH + 1];
	int			depth;		/* lv[0] is c.dirfd */
	size_t			ntop;		/* top-level entries */
	/* The file being received. */
	int			in_file;
	int			fd;		/* -1: discarding */
	int			anon;		/* fd is O_TMPFILE: no name yet */
	int			dirfd;
	char			name[COPYWIRE_NAMEMAX + 1];
	char			tmp[NAME_MAX + 1];
	uint32_t		mode;
	int64_t			mtime;
	uint32_t		nsec;
	uint64_t		size, got;
	uint32_t		chunk;		/* data still to come */
	int			nosplice;	/* splice(2) failed once */
	mode_t			umask;
	unsigned long		errors;
	char			path[PATH_MAX];	/* for messages */
	size_t			pathlen;
};

static void __attribute__((format(printf, 2, 3)))
say(struct copysink *s, const char *fmt, ...)
{
	char	msg[1536];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->c.say != NULL) {
		s->c.say(s->c.ctx, msg);
	}
}

/* The entry's path below the destination, made safe to show. */
static const char *
shown(struct copysink *s, const char *name, char *buf, size_t len)
{
	char	raw[PATH_MAX + COPYWIRE_NAMEMAX + 1];

	(void)snprintf(raw, sizeof(raw), "%.*s%s", (int)s->pathlen, s->path,
	    name);
	return log_vis(buf, len, raw, strlen(raw));
}

/* One entry failed: said, counted, the stream goes on. */
static void
fail(struct copysink *s, const char *name, const char *what, int err)
{
	char buf[1024];

	say(s, "%s: %s: %s", shown(s, name, buf, sizeof(buf)), what,
	    strerror(err));
	s->errors++;
}

static void
drop_file(struct copysink *s)
{
	if (s->fd != -1) {
		(void)close(s->fd);
		if (!s->anon) {
			(void)unlinkat(s->dirfd, s->tmp, 0);
		}
		s->fd = -1;
	}
}

static enum copysink_state
bad(struct copysink *s, const char *why)
{
	say(s, "malformed copy stream: %s; stopped", why);
	drop_file(s);
	s->result = COPYSINK_BAD;
	return COPYSINK_BAD;
}

struct copysink *
copysink_new(const struct copysink_conf *c)
{
	struct copysink	*s;
	mode_t		 m;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return NULL;
	}
	s->c = *c;
	s->lv[0].fd = c->dirfd;
	s->fd = -1;
	m = umask(0);
	(void)umask(m);
	s->umask = m;
	return s;
}

/* A temporary name beside name, new each time: ".NAME.rcp-XXXXXXXX". */
static void
tmp_name(struct copysink *s, const char *name)
{
	(void)snprintf(s->tmp, sizeof(s->tmp), ".%.200s.rcp-%08x", name,
	    (unsigned)arc4random());
}

/*
 * The name a top-level entry lands under: the one asked for, checked
 * against what was asked, or the destination's own.  NULL when BAD.
 */
static const char *
top_name(struct copysink *s, const struct copywire_rec *r, const char *name)
{
	char a[1024], b[1024];

	if (s->depth > 0) {
		return name;
	}
	if (s->c.expect != NULL) {
		if (s->ntop >= s->c.nexpect) {
			bad(s, "more entries than were asked for");
			return NULL;
		}
		if (r->type != CW_ERR &&
		    strcmp(name, s->c.expect[s->ntop]) != 0) {
			snprintf(a, sizeof(a), "an entry named '%s' where '%s' "
			    "was asked for", log_vis(b, sizeof(b), name,
			    strlen(name)), s->c.expect[s->ntop]);
			bad(s, a);
			return NULL;
		}
	}
	if (s->c.asname != NULL) {
		if (s->ntop >= 1) {
			bad(s, "more than one entry for a destination that is "
			    "not a directory");
			return NULL;
		}
		name = s->c.asname;
	}
	s->ntop++;
	return name;
}

static void
start_file(struct copysink *s, const struct copywire_rec *r,
    const char *name)
{
	s->in_file = 1;
	s->dirfd = s->lv[s->depth].fd;
	(void)strlcpy(s->name, name, sizeof(s->name));
	s->mode = r->mode;
	s->mtime = r->mtime;
	s->nsec = r->nsec;
	s->size = r->size;
	s->got = 0;
	s->fd = -1;
	if (s->dirfd == -1) {
		return;		/* its directory failed, already said */
	}
	/* A file with no name until it is whole: whatever kills us, nothing
	 * is left behind.  Where the file system has no O_TMPFILE, a new
	 * name beside the target instead. */
	s->tmp[0] = '\0';
	s->fd = openat(s->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	s->anon = s->fd != -1;
	if (!s->anon) {
		tmp_name(s, name);
		s->fd = openat(s->dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (s->fd == -1) {
		fail(s, name, "cannot create a temporary file beside it",
		    errno);
	}
}

static void
file_data(struct copysink *s, const uint8_t *p, size_t n)
{
	size_t	len = n;
	ssize_t	w;

	s->got += n;
	while (s->fd != -1 && n > 0) {
		if ((w = write(s->fd, p, n)) == -1) {
			if (errno == EINTR) {
				continue;
			}
			fail(s, s->name, "write", errno);
			drop_file(s);
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (s->c.progress != NULL) {
		s->c.progress(s->c.ctx, s->name, len);
	}
}

/* The mode the file gets: the source's with -p, the old file's when it
 * replaces one, else the source's less the umask. */
static mode_t
file_mode(struct copysink *s)
{
	struct stat st;

	if (s->c.flags & COPY_PRESERVE) {
		return s->mode & 0777;
	}
	if (fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode)) {
		return st.st_mode & 0777;
	}
	return s->mode & 0777 & ~s->umask;
}

/* An O_TMPFILE file, whole: a temporary name beside its target, for the
 * rename (linkat cannot replace a file).  0 or -1. */
static int
name_anon(struct copysink *s, int fd)
{
	char proc[64];

	tmp_name(s, s->name);
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, s->dirfd, s->tmp, AT_SYMLINK_FOLLOW) == -1) {
		s->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

static void
finish_file(struct copysink *s, uint8_t status)
{
	struct timespec	ts[2] = { { 0, UTIME_OMIT }, { s->mtime, s->nsec } };
	const char	*what = NULL;
	int		 fd = s->fd, err;

	s->in_file = 0;
	if (fd == -1) {
		return;
	}
	if (status != 0) {
		say(s, "%s: the sender could not read all of it; the old file "
		    "is kept", s->name);
		s->errors++;
		drop_file(s);
		return;
	}
	if (fchmod(fd, file_mode(s)) == -1) {
		what = "chmod";
	} else if ((s->c.flags & COPY_PRESERVE) && futimens(fd, ts) == -1) {
		what = "set its time";
	} else if ((s->c.flags & COPY_SYNC) && fsync(fd) == -1) {
		what = "fsync";
	} else if (s->anon && name_anon(s, fd) == -1) {
		what = "cannot give it a temporary name";
	}
	err = errno;
	s->fd = -1;
	if (close(fd) == -1 && what == NULL) {
		what = "close";
		err = errno;
	}
	if (what == NULL && renameat(s->dirfd, s->tmp, s->dirfd,
	    s->name) == -1) {
		what = "cannot put it in place";
		err = errno;
	}
	if (what != NULL) {
		fail(s, s->name, what, err);
		if (s->tmp[0] != '\0') {
			(void)unlinkat(s->dirfd, s->tmp, 0);
		}
	}
}

static enum copysink_state
enter_dir(struct copysink *s, const struct copywire_rec *r, const char *name)
{
	struct level	*up = &s->lv[s->depth], *l;

	if (s->depth == COPYWIRE_DEPTH) {
		return bad(s, "directories nested deeper than 64");
	}
	l = &s->lv[++s->depth];
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->mode = r->mode;
	l->mtime = r->mtime;
	l->nsec = r->nsec;
	l->pathlen = s->pathlen;
	if (up->fd != -1) {
		/* 0700 until its entries are in: its mode comes at 'u'. */
		l->created = mkdirat(up->fd, name, 0700) == 0;
		if (!l->created && errno != EEXIST) {
			fail(s, name, "mkdir", errno);
		} else if ((l->fd = openat(up->fd, name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
			fail(s, name, "cannot open it as a directory", errno);
		}
	}
	(void)snprintf(s->path + s->pathlen, sizeof(s->path) - s->pathlen,
	    "%s/", name);
	s->pathlen = strlen(s->path);
	return COPYSINK_MORE;
}

static void
leave_dir(struct copysink *s)
{
	struct level	*l = &s->lv[s->depth--];
	struct timespec	 ts[2] = { { 0, UTIME_OMIT }, { l->mtime, l->nsec } };
	mode_t		 m = l->mode & 0777;

	s->pathlen = l->pathlen;
	s->path[s->pathlen] = '\0';
	if (l->fd == -1) {
		return;
	}
	if ((s->c.flags & COPY_PRESERVE) || l->created) {
		if (!(s->c.flags & COPY_PRESERVE)) {
			m &= ~s->umask;
		}
		if (fchmod(l->fd, m) == -1) {
			fail(s, "", "chmod", errno);
		}
	}
	if ((s->c.flags & COPY_PRESERVE) && futimens(l->fd, ts) == -1) {
		fail(s, "", "set its time", errno);
	}
	(void)close(l->fd);
}

static void
make_link(struct copysink *s, const struct copywire_rec *r, const char *name)
{
	struct timespec	ts[2] = { { 0, UTIME_OMIT }, { r->mtime, r->nsec } };
	char		target[COPYWIRE_LINKMAX + 1];
	int		dirfd = s->lv[s->depth].fd;

	if (dirfd == -1) {
		return;
	}
	memcpy(target, r->text, r->textlen);
	target[r->textlen] = '\0';
	tmp_name(s, name);
	if (symlinkat(target, dirfd, s->tmp) == -1) {
		fail(s, name, "symlink", errno);
		return;
	}
	if (renameat(dirfd, s->tmp, dirfd, name) == -1) {
		fail(s, name, "cannot put it in place", errno);
		(void)unlinkat(dirfd, s->tmp, 0);
		return;
	}
	if ((s->c.flags & COPY_PRESERVE) && utimensat(dirfd, name, ts,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		fail(s, name, "set its time", errno);
	}
}

/* A record inside a file: its data or its end. */
static enum copysink_state
in_file(struct copysink *s, const struct copywire_rec *r)
{
	char why[128];

	if (r->type == CW_DATA) {
		if (r->len > s->size - s->got) {
			return bad(s, "more data than the file's size");
		}
		s->chunk = r->len;
		return COPYSINK_MORE;
	}
	if (r->type != CW_FEND) {
		return bad(s, "a record other than data inside a file");
	}
	if (r->status == 0 && s->got != s->size) {
		snprintf(why, sizeof(why), "a file that ended at %llu of its "
		    "%llu bytes", (unsigned long long)s->got,
		    (unsigned long long)s->size);
		return bad(s, why);
	}
	finish_file(s, r->status);
	return COPYSINK_MORE;
}

static enum copysink_state
handle(struct copysink *s, const struct copywire_rec *r)
{
	char		 name[COPYWIRE_NAMEMAX + 1], text[4 * COPYWIRE_TEXTMAX + 1];
	const char	*as = NULL;
	int		 rec = (s->c.flags & COPY_RECURSIVE) != 0;

	if (s->in_file) {
		return in_file(s, r);
	}
	if (r->name != NULL) {
		memcpy(name, r->name, r->namelen);
		name[r->namelen] = '\0';
	}
	if ((r->type == CW_DIR || r->type == CW_LINK) && !rec) {
		return bad(s, "a directory or link, which was not asked for "
		    "(no -r)");
	}
	if ((r->type == CW_FILE || r->type == CW_DIR || r->type == CW_LINK ||
	    r->type == CW_ERR) && (as = top_name(s, r, name)) == NULL) {
		return COPYSINK_BAD;
	}
	switch (r->type) {
	case CW_FILE:
		start_file(s, r, as);
		return COPYSINK_MORE;
	case CW_DIR:
		return enter_dir(s, r, as);
	case CW_LINK:
		make_link(s, r, as);
		return COPYSINK_MORE;
	case CW_ERR:
		say(s, "%s", r->textlen == 0 ? "the sender could not send an "
		    "entry and gave no reason" : log_vis(text, sizeof(text),
		    r->text, r->textlen));
		s->errors++;
		return COPYSINK_MORE;
	case CW_UP:
		if (s->depth == 0) {
			return bad(s, "a directory's end with none open");
		}
		leave_dir(s);
		return COPYSINK_MORE;
	case CW_END:
		if (s->depth != 0) {
			return bad(s, "the end inside a directory");
		}
		if (s->c.expect != NULL && s->ntop != s->c.nexpect) {
			return bad(s, "fewer entries than were asked for");
		}
		s->result = COPYSINK_DONE;
		return COPYSINK_DONE;
	default:
		return bad(s, "data outside a file");
	}
}

/* The stream's first bytes: the magic, which a forced command or a
 * shell's greeting would not send. */
static size_t
magic(struct copysink *s, const uint8_t *p, size_t n)
{
	size_t k = COPYWIRE_MAGICLEN - s->magic;

	if (k > n) {
		k = n;
	}
	if (memcmp(p, &COPYWIRE_MAGIC[s->magic], k) != 0) {
		bad(s, "it does not begin as rsh-copy's does (is the command "
		    "on the other side rsh-copy?)");
		return n;
	}
	s->magic += k;
	return k;
}

/* One record header from the bytes at p: how many it took. */
static size_t
header(struct copysink *s, const uint8_t *p, size_t n)
{
	struct copywire_rec	 r;
	const char		*why = NULL;
	size_t			 k = sizeof(s->hdr) - s->hlen, used = 0, old;

	if (k > n) {
		k = n;
	}
	memcpy(s->hdr + s->hlen, p, k);
	switch (copywire_decode(s->hdr, s->hlen + k, &r, &used, &why)) {
	case COPYWIRE_INCOMPLETE:
		s->hlen += k;
		return k;
	case COPYWIRE_BAD:
		bad(s, why);
		return n;
	default:
		break;
	}
	old = s->hlen;
	s->hlen = 0;
	(void)handle(s, &r);
	return used - old;
}

enum copysink_state
copysink_feed(struct copysink *s, const uint8_t *p, size_t n)
{
	size_t k;

	while (n > 0 && s->result != COPYSINK_BAD) {
		if (s->result == COPYSINK_DONE) {
			return bad(s, "bytes after the stream's end");
		}
		if (s->magic < COPYWIRE_MAGICLEN) {
			k = magic(s, p, n);
		} else if (s->chunk > 0) {
			k = n < s->chunk ? n : s->chunk;
			file_data(s, p, k);
			s->chunk -= (uint32_t)k;
		} else {
			k = header(s, p, n);
		}
		p += k;
		n -= k;
	}
	return s->result;
}

/* Smaller runs of data are read and written: a splice costs more. */
#define SPLICE_MIN	16384

/* The rest of the chunk from the pipe into the file: bytes moved, 0 at
 * the pipe's end, -1 when splicing is not for here (read instead). */
static ssize_t
splice_data(struct copysink *s, int fd)
{
	ssize_t n;

	do {
		n = splice(fd, NULL, s->fd, NULL, s->chunk, SPLICE_F_MOVE);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		/* Not a pipe, a file system without splice, or a failed
		 * write: read() and write() take over (and say which). */
		s->nosplice = errno != EAGAIN;
		return -1;
	}
	if (n > 0) {
		s->got += (uint64_t)n;
		s->chunk -= (uint32_t)n;
		if (s->c.progress != NULL) {
			s->c.progress(s->c.ctx, s->name, (uint64_t)n);
		}
	}
	return n;
}

enum copysink_state
copysink_read(struct copysink *s, int fd, uint8_t *buf, size_t len, int *eof)
{
	ssize_t	n;
	size_t	want;

	*eof = 0;
	if (s->result == COPYSINK_MORE && !s->nosplice && s->fd != -1 &&
	    s->chunk >= SPLICE_MIN) {
		if ((n = splice_data(s, fd)) > 0) {
			return s->result;
		}
		if (n == 0) {
			*eof = 1;
			return s->result;
		}
	} else if (s->result == COPYSINK_MORE && !s->nosplice &&
	    s->in_file && s->fd != -1 && s->hlen < 5 &&
	    s->size - s->got - s->chunk >= SPLICE_MIN) {
		/* Inside a large file the next record is most likely a data
		 * header (5 bytes): read the rest of this record's data and
		 * that header, no further, and the next data is spliced.  A
		 * full read would end inside each next record, and no record
		 * would ever be spliced from its start. */
		want = s->chunk > 0 ? (size_t)s->chunk + 5 : 5 - s->hlen;
		if (want < len) {
			len = want;
		}
	}
	while ((n = read(fd, buf, len)) == -1 && errno == EINTR) {
		continue;
	}
	if (n == -1) {
		say(s, "reading the copy stream: %s", strerror(errno));
		s->result = COPYSINK_BAD;
		drop_file(s);
		return COPYSINK_BAD;
	}
	if (n == 0) {
		*eof = 1;
		return s->result;
	}
	return copysink_feed(s, buf, (size_t)n);
}

enum copysink_state
copysink_end(struct copysink *s)
{
	if (s->result == COPYSINK_MORE) {
		return bad(s, "the stream ended before its end record (the "
		    "sender failed or the connection was lost)");
	}
	return s->result;
}

unsigned long
copysink_errors(const struct copysink *s)
{
	return s->errors;
}

void
copysink_free(struct copysink *s)
{
	if (s == NULL) {
		return;
	}
	drop_file(s);
	for (int i = s->depth; i > 0; i--) {
		if (s->lv[i].fd != -1) {
			(void)close(s->lv[i].fd);
		}
	}
	free(s);
}
