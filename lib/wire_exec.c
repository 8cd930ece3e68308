/*
 * wire_exec: the EXEC payload's TLV codec (protocol-v1.md, "EXEC
 * payload").
 *
 * Decoding takes two passes over the list.  The first applies every rule
 * and counts what the result needs; the second copies the strings into
 * one allocation, so the caller frees one pointer and nothing in the
 * result points into the record buffer, which is reused for the next one.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define TLV_HDRLEN	5	/* u8 tag || u32 len */

/* What the first pass learns. */
struct scan {
	struct wire_exec	 e;	/* fixed-size fields and counts */
	size_t			 bytes;	/* string copies, NULs included */
	const uint8_t		*cwd;
	size_t			 cwdlen;
	int			 has_cwd;
	const uint8_t		*account;
	size_t			 accountlen;
	int			 has_account;
	int			 has_stdin;
};

/*
 * Reads the TLV at p[*off..len) and moves *off past it.  Returns 1 for a
 * TLV, 0 at the end of the list, -1 when the TLV overruns the list.
 */
static int
tlv_next(const uint8_t *p, size_t len, size_t *off, uint8_t *tag,
    const uint8_t **val, size_t *vlen)
{
	size_t	left = len - *off;
	size_t	n;

	if (left == 0) {
		return 0;
	}
	if (left < TLV_HDRLEN) {
		return -1;
	}
	n = wire_get32(p + *off + 1);
	if (left - TLV_HDRLEN < n) {
		return -1;
	}
	*tag = p[*off];
	*val = p + *off + TLV_HDRLEN;
	*vlen = n;
	*off += TLV_HDRLEN + n;
	return 1;
}

/* 1 when v[0..n) is "NAME=value", NAME matching [A-Za-z_][A-Za-z0-9_]*. */
static int
env_valid(const uint8_t *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n && v[i] != '='; i++) {
		if (!(v[i] == '_' || (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= 'a' && v[i] <= 'z') ||
		    (i > 0 && v[i] >= '0' && v[i] <= '9'))) {
			return 0;
		}
	}
	return i > 0 && i < n;
}

/* Reads a fixed four-byte value that may appear once. */
static int
scan_fixed(int *has, const uint8_t *v, size_t n, uint32_t *out,
    const char **why, const char *twice, const char *size)
{
	if (*has) {
		*why = twice;
		return -1;
	}
	if (n != 4) {
		*why = size;
		return -1;
	}
	*has = 1;
	*out = wire_get32(v);
	return 0;
}

/* A string TLV: no NUL byte, and room for its copy. */
static int
scan_string(struct scan *s, const uint8_t *v, size_t n, const char **why,
    const char *nul)
{
	if (memchr(v, '\0', n) != NULL) {
		*why = nul;
		return -1;
	}
	s->bytes += n + 1;
	return 0;
}

/* TIMEOUT, FLAGS and PTY_SIZE: four bytes each, once each. */
static int
scan_number(struct scan *s, uint8_t tag, const uint8_t *v, size_t n,
    int transport, const char **why)
{
	struct wire_exec	*e = &s->e;
	uint32_t		 size;

	switch (tag) {
	case TLV_TIMEOUT:
		return scan_fixed(&e->has_timeout, v, n, &e->timeout_ms, why,
		    "TIMEOUT is given more than once",
		    "TIMEOUT is not 4 bytes");
	case TLV_FLAGS:
		if (scan_fixed(&e->has_flags, v, n, &e->flags, why,
		    "FLAGS is given more than once", "FLAGS is not 4 bytes") ==
		    -1) {
			return -1;
		}
		if ((e->flags & ~EXEC_FLAGS_KNOWN) != 0) {
			*why = "FLAGS has an unknown bit set";
			return -1;
		}
		return 0;
	default:
		if (transport == WIRE_UDP) {
			*why = "PTY_SIZE is not allowed over UDP";
			return -1;
		}
		if (scan_fixed(&e->has_pty_size, v, n, &size, why,
		    "PTY_SIZE is given more than once",
		    "PTY_SIZE is not 4 bytes") == -1) {
			return -1;
		}
		e->rows = (uint16_t)(size >> 16);
		e->cols = (uint16_t)size;
		return 0;
	}
}

/*
 * ACCOUNT, this project's extension: which of the key's accounts runs the
 * command.  Its tag is below 0x80 so that a server without it refuses the
 * request instead of running it as the key's default account.
 */
static int
scan_account(struct scan *s, const uint8_t *v, size_t n, const char **why)
{
	if (s->has_account) {
		*why = "ACCOUNT is given more than once";
		return -1;
	}
	if (n == 0 || n > WIRE_ACCOUNTMAX) {
		*why = "ACCOUNT is not 1 to 32 bytes";
		return -1;
	}
	s->has_account = 1;
	s->account = v;
	s->accountlen = n;
	return scan_string(s, v, n, why, "the ACCOUNT contains a NUL byte");
}

static int
scan_one(struct scan *s, uint8_t tag, const uint8_t *v, size_t n,
    int transport, const char **why)
{
	switch (tag) {
	case TLV_ARG:
		s->e.argc++;
		return scan_string(s, v, n, why, "an ARG contains a NUL byte");
	case TLV_ENV:
		if (scan_string(s, v, n, why, "an ENV contains a NUL byte") ==
		    -1) {
			return -1;
		}
		if (!env_valid(v, n)) {
			*why = "an ENV is not NAME=value with a valid NAME";
			return -1;
		}
		s->e.envc++;
		return 0;
	case TLV_CWD:
		if (s->has_cwd) {
			*why = "CWD is given more than once";
			return -1;
		}
		s->has_cwd = 1;
		s->cwd = v;
		s->cwdlen = n;
		return scan_string(s, v, n, why, "the CWD contains a NUL byte");
	case TLV_TIMEOUT:
	case TLV_FLAGS:
	case TLV_PTY_SIZE:
		return scan_number(s, tag, v, n, transport, why);
	case TLV_ACCOUNT:
		return scan_account(s, v, n, why);
	case TLV_STDIN_DATA:
		if (transport != WIRE_UDP) {
			*why = "STDIN_DATA is allowed over UDP only";
			return -1;
		}
		if (s->has_stdin) {
			*why = "STDIN_DATA is given more than once";
			return -1;
		}
		s->has_stdin = 1;
		s->e.stdin_data = v;
		s->e.stdin_len = n;
		return 0;
	default:
		/* From 0x80 up, tags are reserved for extensions we skip. */
		if (tag < 0x80) {
			*why = "an unknown tag below 0x80";
			return -1;
		}
		return 0;
	}
}

/* The rules about the request as a whole. */
static int
scan_whole(const struct scan *s, int transport, const char **why)
{
	uint32_t	flags = s->e.has_flags ? s->e.flags : 0;

	if (transport == WIRE_UDP && (flags & EXEC_FLAG_PTY) != 0) {
		*why = "PTY is not allowed over UDP";
		return -1;
	}
	if (s->e.argc == 0 && (flags & EXEC_FLAG_PTY) == 0) {
		*why = "no ARG is given";
		return -1;
	}
	/* Without PTY, no ARG was refused above: SHELL needs exactly one. */
	if ((flags & EXEC_FLAG_SHELL) != 0 && s->e.argc > 1) {
		*why = "SHELL takes exactly one ARG";
		return -1;
	}
	if ((flags & EXEC_FLAG_NO_STDIN) != 0 && s->has_stdin) {
		*why = "NO_STDIN is given with STDIN_DATA";
		return -1;
	}
	return 0;
}

static int
scan_all(struct scan *s, const uint8_t *p, size_t len, int transport,
    const char **why)
{
	const uint8_t	*v;
	size_t		 off = 0, n;
	uint8_t		 tag;
	int		 r;

	memset(s, 0, sizeof(*s));
	while ((r = tlv_next(p, len, &off, &tag, &v, &n)) == 1) {
		if (scan_one(s, tag, v, n, transport, why) == -1) {
			return -1;
		}
	}
	if (r == -1) {
		*why = "a TLV overruns the EXEC payload";
		return -1;
	}
	return scan_whole(s, transport, why);
}

/* Copies v[0..n) as a C string at *str and moves *str past it. */
static char *
copy_string(char **str, const uint8_t *v, size_t n)
{
	char	*s = *str;

	memcpy(s, v, n);
	s[n] = '\0';
	*str += n + 1;
	return s;
}

/* The second pass: one allocation, laid out as struct, arrays, strings. */
static struct wire_exec *
build(const struct scan *s, const uint8_t *p, size_t len)
{
	struct wire_exec	*e;
	const uint8_t		*v;
	size_t			 off = 0, n, argi = 0, envi = 0;
	size_t			 ptrs = s->e.argc + s->e.envc + 2;
	uint8_t			 tag;
	char			*str;

	e = malloc(sizeof(*e) + ptrs * sizeof(char *) + s->bytes +
	    s->e.stdin_len);
	if (e == NULL) {
		return NULL;
	}
	*e = s->e;
	e->argv = (char **)(e + 1);
	e->env = e->argv + e->argc + 1;
	str = (char *)(e->env + e->envc + 1);
	while (tlv_next(p, len, &off, &tag, &v, &n) == 1) {
		if (tag == TLV_ARG) {
			e->argv[argi++] = copy_string(&str, v, n);
		} else if (tag == TLV_ENV) {
			e->env[envi++] = copy_string(&str, v, n);
		}
	}
	e->argv[argi] = NULL;
	e->env[envi] = NULL;
	e->cwd = s->has_cwd ? copy_string(&str, s->cwd, s->cwdlen) : NULL;
	e->account = s->has_account ? copy_string(&str, s->account,
	    s->accountlen) : NULL;
	if (s->has_stdin) {
		/* memcpy with a length of 0 still wants valid pointers. */
		if (s->e.stdin_len != 0) {
			memcpy(str, s->e.stdin_data, s->e.stdin_len);
		}
		e->stdin_data = (const uint8_t *)str;
	}
	return e;
}

/* Orders ENV strings by NAME, the part before the first '='. */
static int
env_cmp(const void *a, const void *b)
{
	const char	*x = *(char * const *)a, *y = *(char * const *)b;
	size_t		 xl = strcspn(x, "="), yl = strcspn(y, "=");
	int		 c;

	if ((c = memcmp(x, y, xl < yl ? xl : yl)) != 0) {
		return c;
	}
	return (xl > yl) - (xl < yl);
}

/*
 * 0 when no NAME appears twice, else -1 (or -1 with *nomem set).  Sorting
 * a copy keeps a long list of names from costing quadratic time.
 */
static int
env_unique(const struct wire_exec *e, int *nomem)
{
	char	**sorted;
	size_t	  i;
	int	  rc = 0;

	if (e->envc < 2) {
		return 0;
	}
	if ((sorted = calloc(e->envc, sizeof(*sorted))) == NULL) {
		*nomem = 1;
		return -1;
	}
	memcpy(sorted, e->env, e->envc * sizeof(*sorted));
	qsort(sorted, e->envc, sizeof(*sorted), env_cmp);
	for (i = 1; i < e->envc; i++) {
		if (env_cmp(&sorted[i - 1], &sorted[i]) == 0) {
			rc = -1;
			break;
		}
	}
	free(sorted);
	return rc;
}

enum wire_status
wire_exec_decode(const uint8_t *p, size_t len, int transport,
    struct wire_exec **out, const char **why)
{
	struct scan		 s;
	struct wire_exec	*e;
	int			 nomem = 0;

	*out = NULL;
	*why = NULL;
	/* Keeps the size sums below from overflowing. */
	if (len > SIZE_MAX / 4) {
		*why = "the EXEC payload is too large";
		return WIRE_BAD;
	}
	if (scan_all(&s, p, len, transport, why) == -1) {
		return WIRE_BAD;
	}
	if ((e = build(&s, p, len)) == NULL) {
		*why = "out of memory";
		return WIRE_BAD;
	}
	if (env_unique(e, &nomem) == -1) {
		*why = nomem ? "out of memory" :
		    "the same ENV name is given twice";
		free(e);
		return WIRE_BAD;
	}
	*out = e;
	return WIRE_OK;
}

void
wire_exec_free(struct wire_exec *e)
{
	/* Everything lives in the one allocation. */
	free(e);
}

/* Appends one TLV; -1 when it does not fit in out[0..cap). */
static int
put_tlv(uint8_t *out, size_t cap, size_t *off, uint8_t tag, const void *v,
    size_t n)
{
	if (n > UINT32_MAX || cap - *off < TLV_HDRLEN ||
	    cap - *off - TLV_HDRLEN < n) {
		return -1;
	}
	out[*off] = tag;
	wire_put32(out + *off + 1, (uint32_t)n);
	if (n != 0) {
		if (v != NULL) {
			memcpy(out + *off + TLV_HDRLEN, v, n);
		} else {
			memset(out + *off + TLV_HDRLEN, 0, n);
		}
	}
	*off += TLV_HDRLEN + n;
	return 0;
}

/* TIMEOUT, FLAGS and PTY_SIZE, each when given. */
static int
put_fixed(const struct wire_exec *e, uint8_t *out, size_t cap, size_t *off)
{
	uint8_t	v[4];

	if (e->has_timeout) {
		wire_put32(v, e->timeout_ms);
		if (put_tlv(out, cap, off, TLV_TIMEOUT, v, 4) == -1) {
			return -1;
		}
	}
	if (e->has_flags) {
		wire_put32(v, e->flags);
		if (put_tlv(out, cap, off, TLV_FLAGS, v, 4) == -1) {
			return -1;
		}
	}
	if (e->has_pty_size) {
		wire_put16(v, e->rows);
		wire_put16(v + 2, e->cols);
		if (put_tlv(out, cap, off, TLV_PTY_SIZE, v, 4) == -1) {
			return -1;
		}
	}
	return 0;
}

long
wire_exec_encode(const struct wire_exec *e, uint8_t *out, size_t cap,
    size_t padlen)
{
	size_t	off = 0, i;

	for (i = 0; i < e->argc; i++) {
		if (put_tlv(out, cap, &off, TLV_ARG, e->argv[i],
		    strlen(e->argv[i])) == -1) {
			return -1;
		}
	}
	for (i = 0; i < e->envc; i++) {
		if (put_tlv(out, cap, &off, TLV_ENV, e->env[i],
		    strlen(e->env[i])) == -1) {
			return -1;
		}
	}
	if (e->cwd != NULL && put_tlv(out, cap, &off, TLV_CWD, e->cwd,
	    strlen(e->cwd)) == -1) {
		return -1;
	}
	if (put_fixed(e, out, cap, &off) == -1) {
		return -1;
	}
	if (e->stdin_data != NULL && put_tlv(out, cap, &off, TLV_STDIN_DATA,
	    e->stdin_data, e->stdin_len) == -1) {
		return -1;
	}
	if (e->account != NULL && put_tlv(out, cap, &off, TLV_ACCOUNT,
	    e->account, strlen(e->account)) == -1) {
		return -1;
	}
	/* A NULL value makes put_tlv write zero bytes. */
	if (padlen != 0 &&
	    put_tlv(out, cap, &off, TLV_PAD, NULL, padlen) == -1) {
		return -1;
	}
	return off > (size_t)LONG_MAX ? -1 : (long)off;
}

/* What one TLV of n bytes takes, saturating rather than wrapping. */
static size_t
tlv_size(size_t n)
{
	return n > SIZE_MAX - TLV_HDRLEN ? SIZE_MAX : TLV_HDRLEN + n;
}

static size_t
sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

void
wire_exec_toolarge(const struct wire_exec *e, size_t cap, char *out,
    size_t outlen)
{
	struct part {
		const char	*name;
		size_t		 n;
	} part[3] = {
		{ "the command and its arguments", 0 },
		{ "the environment", 0 },
		{ "the working directory (-d)", 0 }
	}, t;
	char	envname[64];
	size_t	total, used, i, j;

	for (i = 0; i < e->argc; i++) {
		part[0].n = sat_add(part[0].n, tlv_size(strlen(e->argv[i])));
	}
	for (i = 0; i < e->envc; i++) {
		part[1].n = sat_add(part[1].n, tlv_size(strlen(e->env[i])));
	}
	if (e->cwd != NULL) {
		part[2].n = tlv_size(strlen(e->cwd));
	}
	total = sat_add(sat_add(part[0].n, part[1].n), part[2].n);
	/* TIMEOUT, FLAGS, PTY_SIZE: 4 bytes each. */
	total = sat_add(total, (size_t)(!!e->has_timeout + !!e->has_flags +
	    !!e->has_pty_size) * (TLV_HDRLEN + 4));
	if (e->stdin_data != NULL) {
		total = sat_add(total, tlv_size(e->stdin_len));
	}
	if (e->account != NULL) {
		total = sat_add(total, tlv_size(strlen(e->account)));
	}
	snprintf(envname, sizeof(envname), "the environment (%zu -e "
	    "variable%s)", e->envc, e->envc == 1 ? "" : "s");
	part[1].name = envname;
	/* Largest first: that is the one to cut. */
	for (i = 1; i < 3; i++) {
		for (j = i; j > 0 && part[j].n > part[j - 1].n; j--) {
			t = part[j];
			part[j] = part[j - 1];
			part[j - 1] = t;
		}
	}
	used = (size_t)snprintf(out, outlen, "the request is %zu bytes too "
	    "large (at most %zu): %s %zu bytes", total > cap ? total - cap : 0,
	    cap, part[0].name, part[0].n);
	for (i = 1; i < 3 && used < outlen; i++) {
		if (part[i].n > 0) {
			used += (size_t)snprintf(out + used, outlen - used,
			    ", %s %zu", part[i].name, part[i].n);
		}
	}
}
