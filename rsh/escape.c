/*
 * escape: the '~' sequences of a terminal session, as ssh reads them.
 */
#include <stddef.h>
#include <stdint.h>

#include "escape.h"

#define ESCAPE_CHAR	'~'

const char escape_help[] =
    "Supported escape sequences (at the start of a line):\r\n"
    "  ~.  drop the connection\r\n"
    "  ~?  this list\r\n"
    "  ~~  send one ~\r\n";

void
escape_init(struct escape *e)
{
	e->at_line_start = 1;
	e->held = 0;
}

enum escape_action
escape_scan(struct escape *e, const uint8_t *in, size_t n, uint8_t *out,
    size_t *outlen, size_t *used)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		uint8_t ch = in[i];

		if (e->held) {
			e->held = 0;
			if (ch == '.') {
				*outlen = o;
				*used = n;
				return ESCAPE_DISCONNECT;
			}
			if (ch == '?') {
				/* Still at a line's start: "~." may follow. */
				e->at_line_start = 1;
				*outlen = o;
				*used = i + 1;
				return ESCAPE_HELP;
			}
			if (ch != ESCAPE_CHAR) {
				out[o++] = ESCAPE_CHAR;
			}
			out[o++] = ch;
			e->at_line_start = ch == '\r' || ch == '\n';
			continue;
		}
		if (e->at_line_start && ch == ESCAPE_CHAR) {
			e->held = 1;
			continue;
		}
		out[o++] = ch;
		e->at_line_start = ch == '\r' || ch == '\n';
	}
	*outlen = o;
	*used = n;
	return ESCAPE_NONE;
}
