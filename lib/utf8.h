/*
 * utf8: strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) and JSON strings that a strict parser reads whatever
 * bytes they were made from.
 */
#ifndef RSH_UTF8_H
#define RSH_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length of the valid UTF-8 sequence at p[0..len) (1 for ASCII), or
 * 0 when none starts there (or it is cut short).  len must not be 0. */
size_t	utf8_seq(const uint8_t *p, size_t len);

/*
 * Writes p[0..len) as the inside of a JSON string (no quotes) through
 * put(ctx, s, n): '"' and '\\' escaped with a backslash, control
 * characters and DEL as \u00XX, valid UTF-8 as it is, and each byte that
 * is not part of valid UTF-8 as \u00XX, its value: escapes above \u007f
 * thus always stand for such bytes, since a valid U+0080..U+00FF is
 * written as its two bytes.  At most 6 times len bytes in all.
 */
void	utf8_json_escape(const uint8_t *p, size_t len,
	    void (*put)(void *ctx, const char *s, size_t n), void *ctx);

#endif
