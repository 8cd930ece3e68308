/*
 * prefix: whole lines, each with its host's label, built in one chunk
 * buffer and written before data() returns.  rsh -w is one thread, so
 * nothing else writes between two chunks of one host's lines: lines
 * never mix, even when a run of them takes several write()s.
 */
#include <errno.h>
#include <string.h>

#include "netio.h"

#include "prefix.h"

#define CHUNK		65536
#define HEADER_RULE	"----------------\n"

/* The chunk being built; every data() and end() drains it. */
static uint8_t	chunk[CHUNK];
static size_t	chunklen;

static int
drain(int fd)
{
	int rc = 0;

	if (chunklen > 0 && netio_write_full(fd, chunk, chunklen) == -1) {
		rc = -1;
	}
	chunklen = 0;
	return rc;
}

static int
put(int fd, const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 n;

	while (len > 0) {
		if (chunklen == CHUNK && drain(fd) == -1) {
			return -1;
		}
		n = CHUNK - chunklen < len ? CHUNK - chunklen : len;
		memcpy(chunk + chunklen, b, n);
		chunklen += n;
		b += n;
		len -= n;
	}
	return 0;
}

static int
failed(struct prefix *x, int e)
{
	x->failed = e;
	chunklen = 0;
	errno = e;
	return -1;
}

/* Keeps p[0..len) after what st holds, up to max bytes in all. */
static int
keep(struct prefix_stream *st, const uint8_t *p, size_t len, size_t max)
{
	if (max - st->b.len < len) {
		errno = EFBIG;
		return -1;
	}
	if (buf_append(&st->b, p, len) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* "LABEL: " what st holds, then p[0..len), then a newline. */
static int
line(struct prefix *x, int fd, struct prefix_stream *st, const uint8_t *p,
    size_t len)
{
	int rc = put(fd, x->label, strlen(x->label)) | put(fd, ": ", 2) |
	    put(fd, buf_data(&st->b), st->b.len) | put(fd, p, len) |
	    put(fd, "\n", 1);

	buf_consume(&st->b, st->b.len);
	return rc == 0 ? 0 : -1;
}

static int
lines(struct prefix *x, int fd, struct prefix_stream *st, const uint8_t *p,
    size_t len)
{
	const uint8_t	*nl;
	size_t		 room, n;

	if (st->cut && len > 0 && p[0] == '\n') {
		p++;
		len--;
	}
	st->cut = 0;
	while (len > 0) {
		room = PREFIX_LINEMAX - st->b.len;
		if ((nl = memchr(p, '\n', len < room ? len : room)) != NULL) {
			n = (size_t)(nl - p);
			if (line(x, fd, st, p, n) == -1) {
				return -1;
			}
			p += n + 1;
			len -= n + 1;
		} else if (len < room) {
			return keep(st, p, len, PREFIX_LINEMAX);
		} else {
			/* A line this long is cut; its '\n' must not make an
			 * empty line of its own. */
			if (line(x, fd, st, p, room) == -1) {
				return -1;
			}
			p += room;
			len -= room;
			st->cut = len == 0;
			if (len > 0 && p[0] == '\n') {
				p++;
				len--;
			}
		}
	}
	return 0;
}

/* A block: the header, p[0..len), and a newline if it lacks one. */
static int
block(struct prefix *x, int fd, const uint8_t *p, size_t len)
{
	if (len == 0) {
		return 0;
	}
	if (put(fd, HEADER_RULE, strlen(HEADER_RULE)) == -1 ||
	    put(fd, x->label, strlen(x->label)) == -1 ||
	    put(fd, "\n" HEADER_RULE, 1 + strlen(HEADER_RULE)) == -1 ||
	    put(fd, p, len) == -1 ||
	    (p[len - 1] != '\n' && put(fd, "\n", 1) == -1)) {
		return -1;
	}
	return drain(fd);
}

/* -b: keeps the output; a full block goes out up to its last line. */
static int
blocks(struct prefix *x, int fd, struct prefix_stream *st, const uint8_t *p,
    size_t len)
{
	const uint8_t	*last, *held;
	size_t		 take, n;

	while (len > 0) {
		take = PREFIX_BLOCKMAX - st->b.len < len ?
		    PREFIX_BLOCKMAX - st->b.len : len;
		if (keep(st, p, take, PREFIX_BLOCKMAX) == -1) {
			return -1;
		}
		p += take;
		len -= take;
		if (st->b.len < PREFIX_BLOCKMAX) {
			break;
		}
		held = buf_data(&st->b);
		last = memrchr(held, '\n', st->b.len);
		n = last != NULL ? (size_t)(last - held) + 1 : st->b.len;
		if (block(x, fd, held, n) == -1) {
			return -1;
		}
		buf_consume(&st->b, n);
	}
	return 0;
}

static void
prefix_begin(struct sink *s, const struct wire_exec *e)
{
	struct prefix *x = (struct prefix *)(void *)s;

	(void)e;
	buf_consume(&x->out.b, x->out.b.len);
	buf_consume(&x->err.b, x->err.b.len);
	x->out.cut = x->err.cut = 0;
}

static int
prefix_data(struct sink *s, int fd, const uint8_t *p, size_t len)
{
	struct prefix		*x = (struct prefix *)(void *)s;
	struct prefix_stream	*st = fd == 1 ? &x->out : &x->err;
	int			 rc;

	if (x->failed) {
		return failed(x, x->failed);
	}
	rc = x->block ? blocks(x, fd, st, p, len) : lines(x, fd, st, p, len);
	if (rc == -1 || drain(fd) == -1) {
		return failed(x, errno);
	}
	return 0;
}

static int
prefix_flush(struct sink *s)
{
	struct prefix *x = (struct prefix *)(void *)s;

	return x->failed ? failed(x, x->failed) : 0;
}

/* What is left: the last line without its newline, or the blocks. */
static int
prefix_end(struct sink *s, const struct sink_result *r)
{
	struct prefix	*x = (struct prefix *)(void *)s;
	int		 rc = 0;

	(void)r;
	if (x->failed) {
		return 0;	/* said where it happened */
	}
	for (int fd = 1; fd <= 2 && rc == 0; fd++) {
		struct prefix_stream *st = fd == 1 ? &x->out : &x->err;

		if (x->block) {
			rc = block(x, fd, buf_data(&st->b), st->b.len);
		} else if (st->b.len > 0) {
			rc = line(x, fd, st, NULL, 0) == 0 ? drain(fd) : -1;
		}
		buf_consume(&st->b, st->b.len);
	}
	return rc == 0 ? 0 : failed(x, errno);
}

static const struct sink_ops prefix_ops = {
	prefix_begin, prefix_data, prefix_flush, prefix_end, NULL
};

void
prefix_init(struct prefix *x, const char *display, const char *label,
    int block_mode)
{
	memset(x, 0, sizeof(*x));
	x->s.ops = &prefix_ops;
	x->s.display = display;
	x->label = label;
	x->block = block_mode;
	/* Nothing allocated until output comes: cannot fail. */
	(void)buf_init(&x->out.b, 0, PREFIX_BLOCKMAX);
	(void)buf_init(&x->err.b, 0, PREFIX_BLOCKMAX);
}

void
prefix_free(struct prefix *x)
{
	buf_free(&x->out.b);
	buf_free(&x->err.b);
}
