/*
 * hostlist: expansion in two passes per entry: parse and count first
 * (so a list too long is refused before anything is made), then an
 * odometer over the bracket groups.  Entries are kept in order, with a
 * hash set of their indices to drop duplicates in constant time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"

#define GROUPS_MAX	8	/* bracket groups in one entry */
#define RANGES_MAX	256	/* ranges in one group */
#define DIGITS_MAX	9	/* a number in a range */
#define FILE_LINEMAX	65536

struct hostlist {
	char	**host;
	size_t	  n, cap;
	size_t	 *slot;		/* index + 1 of a host, 0: empty */
	size_t	  nslot;	/* a power of two, above 2 n */
};

struct range {
	unsigned long	lo, hi;
	int		width;		/* 0: no padding */
};

/* One entry, parsed: text pieces between bracket groups. */
struct entry {
	const char	*text[GROUPS_MAX + 1];
	size_t		 textlen[GROUPS_MAX + 1];
	struct range	 r[GROUPS_MAX][RANGES_MAX];
	int		 nr[GROUPS_MAX];
	int		 ng;
};

struct hostlist *
hostlist_new(void)
{
	return calloc(1, sizeof(struct hostlist));
}

size_t
hostlist_count(const struct hostlist *h)
{
	return h->n;
}

const char *
hostlist_get(const struct hostlist *h, size_t i)
{
	return i < h->n ? h->host[i] : NULL;
}

void
hostlist_free(struct hostlist *h)
{
	if (h == NULL) {
		return;
	}
	for (size_t i = 0; i < h->n; i++) {
		free(h->host[i]);
	}
	free(h->host);
	free(h->slot);
	free(h);
}

static size_t
hash(const char *s)
{
	uint64_t v = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		v = (v ^ (unsigned char)*s) * 1099511628211ULL;
	}
	return (size_t)v;
}

/* The slot where s is, or the empty one where it would go. */
static size_t *
find(const struct hostlist *h, const char *s)
{
	size_t i = hash(s) & (h->nslot - 1);

	while (h->slot[i] != 0 && strcmp(h->host[h->slot[i] - 1], s) != 0) {
		i = (i + 1) & (h->nslot - 1);
	}
	return &h->slot[i];
}

/* Makes the hash set anew for the first n hosts, nslot at least want. */
static int
rehash(struct hostlist *h, size_t want)
{
	size_t	 nslot = 64, *slot;

	while (nslot < want) {
		nslot *= 2;
	}
	if ((slot = calloc(nslot, sizeof(*slot))) == NULL) {
		return -1;
	}
	free(h->slot);
	h->slot = slot;
	h->nslot = nslot;
	for (size_t i = 0; i < h->n; i++) {
		*find(h, h->host[i]) = i + 1;
	}
	return 0;
}

/* Appends s unless it is there.  -1 when memory runs out. */
static int
append(struct hostlist *h, const char *s)
{
	size_t	 *where;
	char	**nh;

	if (h->nslot < 2 * (h->n + 1) && rehash(h, 4 * (h->n + 1)) == -1) {
		return -1;
	}
	if (*(where = find(h, s)) != 0) {
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap == 0 ? 64 : 2 * h->cap;

		if ((nh = reallocarray(h->host, cap, sizeof(*nh))) == NULL) {
			return -1;
		}
		h->host = nh;
		h->cap = cap;
	}
	if ((h->host[h->n] = strdup(s)) == NULL) {
		return -1;
	}
	*where = ++h->n;
	return 0;
}

/* Drops the hosts from n on (a failed add), and their slots. */
static void
truncate_to(struct hostlist *h, size_t n)
{
	while (h->n > n) {
		free(h->host[--h->n]);
	}
	if (h->nslot > 0) {
		memset(h->slot, 0, h->nslot * sizeof(*h->slot));
		for (size_t i = 0; i < h->n; i++) {
			*find(h, h->host[i]) = i + 1;
		}
	}
}

/* A number of at most DIGITS_MAX digits at *p; its digit count, or 0. */
static int
number(const char **p, const char *end, unsigned long *v)
{
	int n = 0;

	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9' && n < DIGITS_MAX + 1) {
		*v = *v * 10 + (unsigned long)(**p - '0');
		(*p)++;
		n++;
	}
	return n > DIGITS_MAX ? 0 : n;
}

/* "1-3,5,08-10" between p and end into e's group g. */
static int
parse_group(struct entry *e, int g, const char *p, const char *end,
    const char *all, char *err, size_t errlen)
{
	struct range	*r;
	const char	*start = p;
	int		 nd;

	e->nr[g] = 0;
	while (p < end) {
		if (e->nr[g] == RANGES_MAX) {
			snprintf(err, errlen, "more than %d ranges in one "
			    "bracket in '%s'", RANGES_MAX, all);
			return -1;
		}
		r = &e->r[g][e->nr[g]++];
		if ((nd = number(&p, end, &r->lo)) == 0) {
			goto bad;
		}
		r->width = nd > 1 && p[-nd] == '0' ? nd : 0;
		r->hi = r->lo;
		if (p < end && *p == '-') {
			p++;
			if (number(&p, end, &r->hi) == 0) {
				goto bad;
			}
			if (r->hi < r->lo) {
				snprintf(err, errlen, "range %lu-%lu goes down "
				    "in '%s'", r->lo, r->hi, all);
				return -1;
			}
		}
		if (p < end && *p++ != ',') {
			goto bad;
		}
		if (p == end && p[-1] == ',') {
			goto bad;
		}
	}
	if (e->nr[g] > 0) {
		return 0;
	}
bad:
	snprintf(err, errlen, "bad range '[%.*s]' in '%s' (numbers of at most "
	    "%d digits: [1-5], [01-12,20])", (int)(end - start), start, all,
	    DIGITS_MAX);
	return -1;
}

/* Brackets pair up, one level deep.  Returns 0, or -1 (said). */
static int
check_brackets(const char *s, size_t len, const char *all, char *err,
    size_t errlen)
{
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '[' && depth++ > 0) {
			snprintf(err, errlen, "'[' inside brackets in '%s'",
			    all);
			return -1;
		}
		if (s[i] == ']' && depth-- == 0) {
			snprintf(err, errlen, "']' without '[' in '%s'", all);
			return -1;
		}
	}
	if (depth > 0) {
		snprintf(err, errlen, "'[' without ']' in '%s'", all);
		return -1;
	}
	return 0;
}

/* Splits one entry into text and groups; a ':' inside brackets is IPv6. */
static int
parse_entry(struct entry *e, const char *s, size_t len, const char *all,
    char *err, size_t errlen)
{
	const char	*p = s, *end = s + len, *open, *close;

	if (check_brackets(s, len, all, err, errlen) == -1) {
		return -1;
	}
	e->ng = 0;
	e->text[0] = s;
	while ((open = memchr(p, '[', (size_t)(end - p))) != NULL) {
		close = memchr(open, ']', (size_t)(end - open));
		p = close + 1;
		if (memchr(open, ':', (size_t)(close - open)) != NULL) {
			continue;	/* [v6]: text */
		}
		if (e->ng == GROUPS_MAX) {
			snprintf(err, errlen, "more than %d bracket groups in "
			    "'%s'", GROUPS_MAX, all);
			return -1;
		}
		e->textlen[e->ng] = (size_t)(open - e->text[e->ng]);
		if (parse_group(e, e->ng, open + 1, close, all, err,
		    errlen) == -1) {
			return -1;
		}
		e->text[++e->ng] = p;
	}
	e->textlen[e->ng] = (size_t)(end - e->text[e->ng]);
	return 0;
}

/* How many hosts e makes, or HOSTLIST_MAX + 1 when more. */
static size_t
entry_count(const struct entry *e)
{
	size_t total = 1, n;

	for (int g = 0; g < e->ng; g++) {
		n = 0;
		for (int i = 0; i < e->nr[g]; i++) {
			n += e->r[g][i].hi - e->r[g][i].lo + 1;
			if (n > HOSTLIST_MAX) {
				return HOSTLIST_MAX + 1;
			}
		}
		total *= n;
		if (total > HOSTLIST_MAX) {
			return HOSTLIST_MAX + 1;
		}
	}
	return total;
}

/* The host at the odometer's position pos[] (range index, value). */
static int
format_host(const struct entry *e, const int *ri, const unsigned long *val,
    char *out, size_t outlen)
{
	size_t	off = 0;
	int	n;

	for (int g = 0; g <= e->ng; g++) {
		n = snprintf(out + off, outlen - off, "%.*s",
		    (int)e->textlen[g], e->text[g]);
		if (n < 0 || (size_t)n >= outlen - off) {
			return -1;
		}
		off += (size_t)n;
		if (g == e->ng) {
			break;
		}
		n = snprintf(out + off, outlen - off, "%0*lu",
		    e->r[g][ri[g]].width, val[g]);
		if (n < 0 || (size_t)n >= outlen - off) {
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Moves the odometer on by one; 0 once every combination was made. */
static int
advance(const struct entry *e, int *ri, unsigned long *val)
{
	for (int g = e->ng - 1; g >= 0; g--) {
		if (val[g] < e->r[g][ri[g]].hi) {
			val[g]++;
			return 1;
		}
		if (ri[g] + 1 < e->nr[g]) {
			ri[g]++;
			val[g] = e->r[g][ri[g]].lo;
			return 1;
		}
		ri[g] = 0;
		val[g] = e->r[g][0].lo;
	}
	return 0;
}

/* One entry, s[0..len): every host it makes.  Errors quote the entry. */
static int
add_entry(struct hostlist *h, const char *s, size_t len, char *err,
    size_t errlen)
{
	struct entry	*e;
	char		 host[HOSTLIST_ENTRYMAX + 1], *all;
	unsigned long	 val[GROUPS_MAX] = { 0 };
	int		 ri[GROUPS_MAX] = { 0 }, rc = -1;

	e = malloc(sizeof(*e));
	all = strndup(s, len);
	if (e == NULL || all == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (parse_entry(e, s, len, all, err, errlen) == -1) {
		goto out;
	}
	if (entry_count(e) > HOSTLIST_MAX - h->n) {
		snprintf(err, errlen, "'%s' makes the list longer than %d "
		    "hosts", all, HOSTLIST_MAX);
		goto out;
	}
	for (int g = 0; g < e->ng; g++) {
		ri[g] = 0;
		val[g] = e->r[g][0].lo;
	}
	do {
		if (format_host(e, ri, val, host, sizeof(host)) == -1) {
			snprintf(err, errlen, "a host name in '%s' is longer "
			    "than %d bytes", all, HOSTLIST_ENTRYMAX);
			goto out;
		}
		if (append(h, host) == -1) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	} while (advance(e, ri, val));
	rc = 0;
out:
	free(all);
	free(e);
	return rc;
}

/* Every entry of a hostlist; commas inside brackets do not split. */
static int
add_list(struct hostlist *h, const char *s, char *err, size_t errlen)
{
	const char	*p = s, *q;
	int		 depth;

	while (*p != '\0') {
		for (q = p, depth = 0; *q != '\0' && (depth > 0 || *q != ',');
		    q++) {
			depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
		}
		/* Blanks around entries are not part of a name. */
		while (p < q && (*p == ' ' || *p == '\t')) {
			p++;
		}
		size_t len = (size_t)(q - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
		    p[len - 1] == '\r')) {
			len--;
		}
		if (len > 0 && add_entry(h, p, len, err, errlen) == -1) {
			return -1;
		}
		p = *q == ',' ? q + 1 : q;
	}
	return 0;
}

/* ^FILE: a hostlist a line, "#" to the end of a line a comment. */
static int
add_file(struct hostlist *h, const char *path, char *err, size_t errlen)
{
	FILE	*f;
	char	*line = NULL, msg[512];
	size_t	 cap = 0, lineno = 0;
	ssize_t	 n;
	int	 rc = 0;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "^%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (n > FILE_LINEMAX) {
			snprintf(err, errlen, "%s:%zu: line longer than %d "
			    "bytes", path, lineno, FILE_LINEMAX);
			rc = -1;
			break;
		}
		line[strcspn(line, "#\n")] = '\0';
		if (add_list(h, line, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, msg);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "^%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

int
hostlist_add(struct hostlist *h, const char *spec, char *err, size_t errlen)
{
	size_t	n = h->n;
	int	rc;

	rc = spec[0] == '^' ? add_file(h, spec + 1, err, errlen) :
	    add_list(h, spec, err, errlen);
	if (rc == -1) {
		truncate_to(h, n);
	}
	return rc;
}

int
hostlist_exclude(struct hostlist *h, const char *spec, char *err,
    size_t errlen)
{
	struct hostlist	*x;
	size_t		 kept = 0;

	if ((x = hostlist_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (hostlist_add(x, spec, err, errlen) == -1) {
		hostlist_free(x);
		return -1;
	}
	for (size_t i = 0; i < h->n; i++) {
		if (x->n > 0 && *find(x, h->host[i]) != 0) {
			free(h->host[i]);
		} else {
			h->host[kept++] = h->host[i];
		}
	}
	h->n = kept;
	hostlist_free(x);
	truncate_to(h, kept);
	return 0;
}
