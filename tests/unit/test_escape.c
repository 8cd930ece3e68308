/*
 * test_escape: the '~' sequences of a terminal session, as ssh reads
 * them: only at a line's start, across reads split anywhere, and what
 * each sequence sends.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../rsh/escape.h"

#include "check.h"

/* Feeds s in pieces of step bytes; the bytes sent land in out, the
 * first action other than HELP stops it.  Returns that action, counting
 * HELPs in *helps. */
static enum escape_action
feed(const char *s, size_t step, char *out, size_t cap, int *helps)
{
	struct escape		 e;
	const uint8_t		*p = (const uint8_t *)s;
	size_t			 n = strlen(s), o = 0;
	enum escape_action	 a = ESCAPE_NONE;

	escape_init(&e);
	*helps = 0;
	while (n > 0) {
		uint8_t	buf[64];
		size_t	len = n < step ? n : step, outlen = 0, used = 0;

		a = escape_scan(&e, p, len, buf, &outlen, &used);
		CHECK(outlen <= len + 1);
		CHECK(used >= 1 && used <= len);
		if (o + outlen < cap) {
			memcpy(out + o, buf, outlen);
			o += outlen;
		}
		p += used;
		n -= used;
		if (a == ESCAPE_HELP) {
			(*helps)++;
			a = ESCAPE_NONE;
		} else if (a != ESCAPE_NONE) {
			break;
		}
	}
	out[o] = '\0';
	return a;
}

/* The same input split every way gives the same result. */
static void
expect(const char *in, const char *want, enum escape_action act, int helps,
    int line)
{
	for (size_t step = 1; step <= strlen(in) + 1; step++) {
		char	out[256];
		int	h;
		enum escape_action a = feed(in, step, out, sizeof(out), &h);

		if (a != act || h != helps || strcmp(out, want) != 0) {
			check_fail++;
			fprintf(stderr, "test_escape.c:%d: '%s' in steps of %zu: "
			    "sent '%s' action %d helps %d\n", line, in, step,
			    out, (int)a, h);
			return;
		}
		check_pass++;
	}
}

int
main(void)
{
	/* Plain text passes untouched, '~' inside a line too. */
	expect("ls -l\r", "ls -l\r", ESCAPE_NONE, 0, __LINE__);
	expect("a~.b", "a~.b", ESCAPE_NONE, 0, __LINE__);
	expect("cd ~/x\r", "cd ~/x\r", ESCAPE_NONE, 0, __LINE__);
	/* "~." at the very start, after CR, after LF. */
	expect("~.", "", ESCAPE_DISCONNECT, 0, __LINE__);
	expect("echo\r~.more", "echo\r", ESCAPE_DISCONNECT, 0, __LINE__);
	expect("echo\n~.", "echo\n", ESCAPE_DISCONNECT, 0, __LINE__);
	/* "~~" sends one '~' and the line has begun: "~." is text now. */
	expect("~~.", "~.", ESCAPE_NONE, 0, __LINE__);
	/* Any other byte: both go. */
	expect("~x", "~x", ESCAPE_NONE, 0, __LINE__);
	expect("~/bin\r", "~/bin\r", ESCAPE_NONE, 0, __LINE__);
	/* "~" then CR: both go, and the next line starts. */
	expect("~\r~.", "~\r", ESCAPE_DISCONNECT, 0, __LINE__);
	/* "~?" lists, sends nothing, and "~." may follow at once. */
	expect("~?", "", ESCAPE_NONE, 1, __LINE__);
	expect("~?~.", "", ESCAPE_DISCONNECT, 1, __LINE__);
	expect("x\r~?ab", "x\rab", ESCAPE_NONE, 1, __LINE__);
	/* A held '~' with nothing after it is not sent yet. */
	expect("a\r~", "a\r", ESCAPE_NONE, 0, __LINE__);
	return check_done("test_escape");
}
