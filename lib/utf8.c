/*
 * utf8: strict UTF-8 and JSON string escapes.
 */
#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

size_t
utf8_seq(const uint8_t *p, size_t len)
{
	uint32_t	cp;
	size_t		n;

	if (p[0] < 0x80) {
		return 1;
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3, cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, cp = p[0] & 0x07;
	} else {
		return 0;	/* a continuation byte, C0, C1 or F5..FF */
	}
	if (len < n) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong three- and four-byte forms, surrogates, > U+10FFFF. */
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
		return 0;
	}
	return n;
}

void
utf8_json_escape(const uint8_t *p, size_t len,
    void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	char	esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t	i, n, run;

	for (i = 0; i < len; i += n) {
		/* The longest run that goes out as it is, in one put(). */
		for (run = i; run < len; run += n) {
			if (p[run] == '"' || p[run] == '\\' || p[run] < 0x20 ||
			    p[run] == 0x7f || (n = utf8_seq(p + run,
			    len - run)) == 0) {
				break;
			}
		}
		if (run > i) {
			put(ctx, (const char *)p + i, run - i);
			n = run - i;
			continue;
		}
		n = 1;
		if (p[i] == '"' || p[i] == '\\') {
			esc[1] = (char)p[i];
			put(ctx, esc, 2);
			esc[1] = 'u';
			continue;
		}
		esc[4] = hex[p[i] >> 4];
		esc[5] = hex[p[i] & 0xf];
		put(ctx, esc, 6);
	}
}
