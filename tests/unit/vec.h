/*
 * vec.h: reads values out of vectors-v1.json for the unit tests.
 *
 * Just enough JSON for that one file: objects, arrays, strings without
 * escapes other than \" and \\, and integers.  A value is named by a path
 * of member names and array indexes, "records/2/payload".  Every getter
 * returns -1 when the path is missing, so a test that looks a vector up
 * fails rather than passing vacuously.
 */
#ifndef RSH_VEC_H
#define RSH_VEC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vec_span {
	const char	*p, *e;		/* the value's text, [p, e) */
};

/* The whole file as a string, or NULL. */
static inline char *
vec_load(const char *path)
{
	FILE	*f;
	char	*s = NULL;
	long	 n;

	if ((f = fopen(path, "r")) == NULL) {
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1)) != NULL) {
		if (fread(s, 1, (size_t)n, f) != (size_t)n) {
			free(s);
			s = NULL;
		} else {
			s[n] = '\0';
		}
	}
	fclose(f);
	return s;
}

static inline const char *
vec_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' ||
	    *p == '\t')) {
		p++;
	}
	return p;
}

/* Where the value starting at p ends. */
static inline const char *
vec_end(const char *p, const char *e)
{
	int	depth = 0, str = 0;

	for (; p < e; p++) {
		if (str) {
			if (*p == '\\') {
				p++;
			} else if (*p == '"') {
				str = 0;
				if (depth == 0) {
					return p + 1;
				}
			}
		} else if (*p == '"') {
			str = 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0) {
				return p + 1;
			}
			if (depth < 0) {
				return p;
			}
		} else if (depth == 0 && (*p == ',' || *p == ' ' ||
		    *p == '\n')) {
			return p;
		}
	}
	return p;
}

/* The n-th element of an array, or the member named key of an object. */
static inline int
vec_child(struct vec_span in, const char *key, size_t keylen,
    struct vec_span *out)
{
	const char	*p = in.p + 1, *k, *ke;
	char		*end;
	unsigned long	 idx = strtoul(key, &end, 10), i = 0;
	int		 array = *in.p == '[';

	if ((*in.p != '{' && !array) || (array && end != key + keylen)) {
		return -1;
	}
	for (;; i++) {
		p = vec_ws(p, in.e);
		if (p >= in.e || *p == '}' || *p == ']') {
			return -1;
		}
		k = NULL;
		ke = NULL;
		if (!array) {
			k = p + 1;
			ke = vec_end(p, in.e) - 1;
			p = vec_ws(ke + 1, in.e);
			if (p >= in.e || *p != ':') {
				return -1;
			}
			p = vec_ws(p + 1, in.e);
		}
		out->p = p;
		out->e = vec_end(p, in.e);
		if (array ? i == idx : ((size_t)(ke - k) == keylen &&
		    memcmp(k, key, keylen) == 0)) {
			return 0;
		}
		p = vec_ws(out->e, in.e);
		if (p < in.e && *p == ',') {
			p++;
		}
	}
}

static inline int
vec_get(const char *json, const char *path, struct vec_span *out)
{
	struct vec_span	 cur;
	size_t		 n;

	cur.p = vec_ws(json, json + strlen(json));
	cur.e = json + strlen(json);
	while (*path != '\0') {
		n = strcspn(path, "/");
		if (vec_child(cur, path, n, &cur) == -1) {
			return -1;
		}
		path += n;
		if (*path == '/') {
			path++;
		}
	}
	*out = cur;
	return 0;
}

/* A string value into out (NUL terminated); its length or -1. */
static inline long
vec_str(const char *json, const char *path, char *out, size_t cap)
{
	struct vec_span	 v;
	const char	*p;
	size_t		 n = 0;

	if (vec_get(json, path, &v) == -1 || *v.p != '"') {
		return -1;
	}
	for (p = v.p + 1; p < v.e - 1; p++) {
		if (*p == '\\') {
			p++;
		}
		if (n + 1 >= cap) {
			return -1;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
	return (long)n;
}

/* A hex string value as bytes into out; the byte count or -1. */
static inline long
vec_hex(const char *json, const char *path, uint8_t *out, size_t cap)
{
	struct vec_span	 v;
	size_t		 n, i;
	unsigned int	 b;

	if (vec_get(json, path, &v) == -1 || *v.p != '"') {
		return -1;
	}
	n = (size_t)(v.e - v.p - 2);
	if (n % 2 != 0 || n / 2 > cap) {
		return -1;
	}
	for (i = 0; i < n / 2; i++) {
		if (sscanf(v.p + 1 + 2 * i, "%2x", &b) != 1) {
			return -1;
		}
		out[i] = (uint8_t)b;
	}
	return (long)(n / 2);
}

/* An integer value, or -1. */
static inline long long
vec_num(const char *json, const char *path)
{
	struct vec_span	v;

	if (vec_get(json, path, &v) == -1 || *v.p < '0' || *v.p > '9') {
		return -1;
	}
	return strtoll(v.p, NULL, 10);
}

#endif
