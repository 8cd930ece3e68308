/*
 * copywire: the copy stream's records, encoded and decoded.  Every
 * length is checked against its limit before the bytes it counts are
 * looked at.
 */
#include <stdint.h>
#include <string.h>

#include "copywire.h"

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static void
put64(uint8_t *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b + 4, (uint32_t)v);
}

static uint16_t
get16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static uint32_t
get32(const uint8_t *b)
{
	return (uint32_t)get16(b) << 16 | get16(b + 2);
}

static uint64_t
get64(const uint8_t *b)
{
	return (uint64_t)get32(b) << 32 | get32(b + 4);
}

/* A cursor over one header: "need more" and "bad" kept apart. */
struct cur {
	const uint8_t	*p;
	size_t		 have;
	size_t		 off;
	int		 short_;	/* ran past have */
};

static const uint8_t *
take(struct cur *c, size_t n)
{
	const uint8_t *at;

	if (c->short_ || c->have - c->off < n) {
		c->short_ = 1;
		return NULL;
	}
	at = c->p + c->off;
	c->off += n;
	return at;
}

static uint64_t
take_n(struct cur *c, size_t n)
{
	const uint8_t *b = take(c, n);

	if (b == NULL) {
		return 0;
	}
	switch (n) {
	case 1:
		return b[0];
	case 2:
		return get16(b);
	case 4:
		return get32(b);
	default:
		return get64(b);
	}
}

/* A u16-counted string of at most max bytes: 0, or -1 for too long. */
static int
take_str(struct cur *c, size_t max, const uint8_t **s, size_t *len)
{
	*len = (size_t)take_n(c, 2);
	if (c->short_) {
		return 0;
	}
	if (*len > max) {
		return -1;
	}
	*s = take(c, *len);
	return 0;
}

static void
take_time(struct cur *c, struct copywire_rec *r)
{
	r->mtime = (int64_t)take_n(c, 8);
	r->nsec = (uint32_t)take_n(c, 4);
}

int
copywire_name_ok(const uint8_t *name, size_t len)
{
	if (len == 0 || len > COPYWIRE_NAMEMAX ||
	    memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL) {
		return 0;
	}
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.')) {
		return 0;
	}
	return 1;
}

/* The fields after the type byte, by type. */
static const char *
decode_body(struct cur *c, struct copywire_rec *r)
{
	switch (r->type) {
	case CW_FILE:
	case CW_DIR:
		r->mode = (uint32_t)take_n(c, 4);
		take_time(c, r);
		if (r->type == CW_FILE) {
			r->size = take_n(c, 8);
		}
		if (take_str(c, COPYWIRE_NAMEMAX, &r->name, &r->namelen)) {
			return "a name longer than 255 bytes";
		}
		break;
	case CW_LINK:
		take_time(c, r);
		if (take_str(c, COPYWIRE_NAMEMAX, &r->name, &r->namelen)) {
			return "a name longer than 255 bytes";
		}
		if (take_str(c, COPYWIRE_LINKMAX, &r->text, &r->textlen)) {
			return "a link target longer than 4095 bytes";
		}
		break;
	case CW_ERR:
		if (take_str(c, COPYWIRE_TEXTMAX, &r->text, &r->textlen)) {
			return "an error text longer than 1024 bytes";
		}
		break;
	case CW_DATA:
		r->len = (uint32_t)take_n(c, 4);
		break;
	case CW_FEND:
		r->status = (uint8_t)take_n(c, 1);
		break;
	case CW_UP:
	case CW_END:
		break;
	default:
		return "an unknown record type";
	}
	return NULL;
}

enum copywire_status
copywire_decode(const uint8_t *p, size_t have, struct copywire_rec *r,
    size_t *used, const char **why)
{
	struct cur	c = { p, have, 0, 0 };
	const char	*bad;

	memset(r, 0, sizeof(*r));
	if (have == 0) {
		return COPYWIRE_INCOMPLETE;
	}
	r->type = p[c.off++];
	if ((bad = decode_body(&c, r)) != NULL) {
		*why = bad;
		return COPYWIRE_BAD;
	}
	if (c.short_) {
		return COPYWIRE_INCOMPLETE;
	}
	if (r->name != NULL && !copywire_name_ok(r->name, r->namelen)) {
		*why = "a name that is not one path component (empty, '.', "
		    "'..', or holding '/' or NUL)";
		return COPYWIRE_BAD;
	}
	if ((r->type == CW_FILE || r->type == CW_DIR) && r->mode > 07777) {
		*why = "a mode above 07777";
		return COPYWIRE_BAD;
	}
	if ((r->type == CW_FILE || r->type == CW_DIR || r->type == CW_LINK) &&
	    r->nsec > 999999999) {
		*why = "nanoseconds above 999999999";
		return COPYWIRE_BAD;
	}
	if (r->type == CW_FILE && r->size > INT64_MAX) {
		*why = "a size above 2^63 - 1";
		return COPYWIRE_BAD;
	}
	if (r->type == CW_DATA && (r->len == 0 || r->len > COPYWIRE_CHUNK)) {
		*why = "a data chunk of 0 or more than 65536 bytes";
		return COPYWIRE_BAD;
	}
	if (r->type == CW_LINK && (r->textlen == 0 ||
	    memchr(r->text, '\0', r->textlen) != NULL)) {
		*why = "a link target that is empty or holds NUL";
		return COPYWIRE_BAD;
	}
	*used = c.off;
	return COPYWIRE_OK;
}

static size_t
put_str(uint8_t *b, const char *s, size_t len)
{
	put16(b, (uint16_t)len);
	memcpy(b + 2, s, len);
	return 2 + len;
}

static size_t
put_time(uint8_t *b, int64_t mtime, uint32_t nsec)
{
	put64(b, (uint64_t)mtime);
	put32(b + 8, nsec);
	return 12;
}

size_t
copywire_put_file(uint8_t *b, uint32_t mode, int64_t mtime, uint32_t nsec,
    uint64_t size, const char *name, size_t namelen)
{
	size_t n = 0;

	b[n++] = CW_FILE;
	put32(b + n, mode);
	n += 4;
	n += put_time(b + n, mtime, nsec);
	put64(b + n, size);
	n += 8;
	return n + put_str(b + n, name, namelen);
}

size_t
copywire_put_data(uint8_t *b, uint32_t len)
{
	b[0] = CW_DATA;
	put32(b + 1, len);
	return 5;
}

size_t
copywire_put_fend(uint8_t *b, uint8_t status)
{
	b[0] = CW_FEND;
	b[1] = status;
	return 2;
}

size_t
copywire_put_dir(uint8_t *b, uint32_t mode, int64_t mtime, uint32_t nsec,
    const char *name, size_t namelen)
{
	size_t n = 0;

	b[n++] = CW_DIR;
	put32(b + n, mode);
	n += 4;
	n += put_time(b + n, mtime, nsec);
	return n + put_str(b + n, name, namelen);
}

size_t
copywire_put_link(uint8_t *b, int64_t mtime, uint32_t nsec, const char *name,
    size_t namelen, const char *target, size_t targetlen)
{
	size_t n = 0;

	b[n++] = CW_LINK;
	n += put_time(b + n, mtime, nsec);
	n += put_str(b + n, name, namelen);
	return n + put_str(b + n, target, targetlen);
}

size_t
copywire_put_err(uint8_t *b, const char *text, size_t len)
{
	if (len > COPYWIRE_TEXTMAX) {
		len = COPYWIRE_TEXTMAX;
	}
	b[0] = CW_ERR;
	return 1 + put_str(b + 1, text, len);
}

size_t
copywire_put_type(uint8_t *b, int type)
{
	b[0] = (uint8_t)type;
	return 1;
}

const char *
copywire_basename(const char *path, size_t *len)
{
	size_t end = strlen(path), start;

	while (end > 0 && path[end - 1] == '/') {
		end--;
	}
	start = end;
	while (start > 0 && path[start - 1] != '/') {
		start--;
	}
	*len = end - start;
	return path + start;
}
