/*
 * test_utf8: strict UTF-8 and the audit log's JSON string escapes, from a
 * table of byte sequences: valid 1- to 4-byte forms and their edges,
 * overlong forms, surrogates, code points above U+10FFFF, sequences cut
 * short, stray continuation bytes, control characters; then every byte
 * string of up to 3 bytes decodes with a strict parser's rules to the
 * bytes it came from.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

#include "check.h"

struct out {
	char	buf[4096];
	size_t	len;
	int	overflow;
};

static void
put(void *ctx, const char *s, size_t n)
{
	struct out *o = ctx;

	if (sizeof(o->buf) - o->len <= n) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static const char *
escape(const char *p, size_t n)
{
	static struct out o;

	memset(&o, 0, sizeof(o));
	utf8_json_escape((const uint8_t *)p, n, put, &o);
	return o.overflow ? "(overflow)" : o.buf;
}

static const struct vec {
	const char	*in;
	size_t		 len;
	size_t		 seq;	/* utf8_seq at the start */
	const char	*json;
} vecs[] = {
	/* ASCII, and what JSON escapes. */
	{ "a", 1, 1, "a" },
	{ "\"", 1, 1, "\\\"" },
	{ "\\", 1, 1, "\\\\" },
	{ "\0", 1, 1, "\\u0000" },
	{ "\t\n\r", 3, 1, "\\u0009\\u000a\\u000d" },
	{ "\x1f", 1, 1, "\\u001f" },
	{ "\x7f", 1, 1, "\\u007f" },
	{ "~", 1, 1, "~" },
	/* Valid 2-, 3- and 4-byte forms and their edges. */
	{ "\xc2\x80", 2, 2, "\xc2\x80" },		/* U+0080 */
	{ "\xc3\xa9", 2, 2, "\xc3\xa9" },		/* é */
	{ "\xdf\xbf", 2, 2, "\xdf\xbf" },		/* U+07FF */
	{ "\xe0\xa0\x80", 3, 3, "\xe0\xa0\x80" },	/* U+0800 */
	{ "\xe2\x82\xac", 3, 3, "\xe2\x82\xac" },	/* € */
	{ "\xed\x9f\xbf", 3, 3, "\xed\x9f\xbf" },	/* U+D7FF */
	{ "\xee\x80\x80", 3, 3, "\xee\x80\x80" },	/* U+E000 */
	{ "\xef\xbf\xbf", 3, 3, "\xef\xbf\xbf" },	/* U+FFFF */
	{ "\xf0\x90\x80\x80", 4, 4, "\xf0\x90\x80\x80" },	/* U+10000 */
	{ "\xf0\x9f\x98\x80", 4, 4, "\xf0\x9f\x98\x80" },	/* 😀 */
	{ "\xf4\x8f\xbf\xbf", 4, 4, "\xf4\x8f\xbf\xbf" },	/* U+10FFFF */
	/* Overlong forms. */
	{ "\xc0\xaf", 2, 0, "\\u00c0\\u00af" },		/* '/' in 2 */
	{ "\xc1\xbf", 2, 0, "\\u00c1\\u00bf" },
	{ "\xe0\x80\xaf", 3, 0, "\\u00e0\\u0080\\u00af" },
	{ "\xe0\x9f\xbf", 3, 0, "\\u00e0\\u009f\\u00bf" },	/* U+07FF */
	{ "\xf0\x80\x80\xaf", 4, 0, "\\u00f0\\u0080\\u0080\\u00af" },
	{ "\xf0\x8f\xbf\xbf", 4, 0, "\\u00f0\\u008f\\u00bf\\u00bf" },
	/* Surrogates, alone and paired (CESU-8). */
	{ "\xed\xa0\x80", 3, 0, "\\u00ed\\u00a0\\u0080" },	/* U+D800 */
	{ "\xed\xbf\xbf", 3, 0, "\\u00ed\\u00bf\\u00bf" },	/* U+DFFF */
	{ "\xed\xa0\xbd\xed\xb8\x80", 6, 0,
	    "\\u00ed\\u00a0\\u00bd\\u00ed\\u00b8\\u0080" },
	/* Above U+10FFFF, and lead bytes that never start one. */
	{ "\xf4\x90\x80\x80", 4, 0, "\\u00f4\\u0090\\u0080\\u0080" },
	{ "\xf5\x80\x80\x80", 4, 0, "\\u00f5\\u0080\\u0080\\u0080" },
	{ "\xf8\x88\x80\x80\x80", 5, 0,
	    "\\u00f8\\u0088\\u0080\\u0080\\u0080" },
	{ "\xff", 1, 0, "\\u00ff" },
	{ "\xfe", 1, 0, "\\u00fe" },
	/* Cut short, at the end and before ASCII. */
	{ "\xc3", 1, 0, "\\u00c3" },
	{ "\xe2\x82", 2, 0, "\\u00e2\\u0082" },
	{ "\xf0\x9f\x98", 3, 0, "\\u00f0\\u009f\\u0098" },
	{ "\xe2\x82z", 3, 0, "\\u00e2\\u0082z" },
	/* Stray continuation bytes. */
	{ "\x80", 1, 0, "\\u0080" },
	{ "\xbf", 1, 0, "\\u00bf" },
	{ "a\x80\xc3\xa9", 4, 1, "a\\u0080\xc3\xa9" },
	/* Mixed: valid stays, the rest is escaped byte by byte. */
	{ "tab\tq\"\xff", 7, 1, "tab\\u0009q\\\"\\u00ff" },
	{ "\xc3\xa9\xc3", 3, 2, "\xc3\xa9\\u00c3" },
};

static void
test_table(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		const char *got = escape(v->in, v->len);

		CHECK_EQ(utf8_seq((const uint8_t *)v->in, v->len), v->seq);
		if (strcmp(got, v->json) != 0) {
			fprintf(stderr, "vector %zu: got '%s', want '%s'\n", i,
			    got, v->json);
		}
		CHECK(strcmp(got, v->json) == 0);
	}
}

/*
 * A strict JSON string reader: only the escapes JSON has, no raw control
 * characters, raw bytes that are valid UTF-8.  Appends what \u00XX and
 * raw bytes stand for as bytes (escapes above \u00ff do not occur).
 * Returns the length, or -1 for what a strict parser would refuse.
 */
static long
json_read(const char *s, uint8_t *out)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0, n, len = strlen(s);
	long		 o = 0;
	unsigned	 v;

	while (i < len) {
		if (p[i] < 0x20 || p[i] == '"') {
			return -1;
		}
		if (p[i] != '\\') {
			if ((n = utf8_seq(p + i, len - i)) == 0) {
				return -1;
			}
			memcpy(out + o, p + i, n);
			o += (long)n;
			i += n;
			continue;
		}
		if (i + 1 < len && (p[i + 1] == '"' || p[i + 1] == '\\')) {
			out[o++] = p[i + 1];
			i += 2;
			continue;
		}
		if (i + 6 > len || p[i + 1] != 'u' ||
		    sscanf(s + i + 2, "%4x", &v) != 1 || v > 0xff) {
			return -1;
		}
		out[o++] = (uint8_t)v;
		i += 6;
	}
	return o;
}

/* Every string of 0 to 3 bytes, over a set of bytes that covers each
 * class, is read back to the bytes it came from. */
static void
test_round_trip(void)
{
	static const uint8_t	 bytes[] = {
		0x00, 0x09, 0x1f, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90,
		0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
		0xf4, 0xf5, 0xff
	};
	const size_t		 nb = sizeof(bytes);
	uint8_t			 in[3], back[32];
	size_t			 n, k, bad = 0, total = 0;
	long			 got;

	for (n = 0; n <= 3; n++) {
		size_t count = 1;

		for (k = 0; k < n; k++) {
			count *= nb;
		}
		for (size_t c = 0; c < count; c++) {
			size_t x = c;

			for (k = 0; k < n; k++) {
				in[k] = bytes[x % nb];
				x /= nb;
			}
			got = json_read(escape((const char *)in, n), back);
			total++;
			if (got != (long)n || memcmp(back, in, n) != 0) {
				bad++;
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(total > 12000);
}

int
main(void)
{
	test_table();
	test_round_trip();
	return check_done("test_utf8");
}
