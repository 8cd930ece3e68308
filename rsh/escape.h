/*
 * escape: ssh's escape sequences in what the user types on a terminal
 * session.  At the start of a line (the very first byte, or after a CR
 * or LF) a '~' is held back and the next byte decides: '.' drops the
 * connection, '?' asks for the list, '~' sends one '~', anything else
 * sends both.  Pure: bytes in, bytes out and what to do.
 */
#ifndef RSH_ESCAPE_H
#define RSH_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

struct escape {
	int	at_line_start;	/* the next byte begins a line */
	int	held;		/* a '~' at a line's start waits */
};

enum escape_action {
	ESCAPE_NONE = 0,
	ESCAPE_HELP,		/* "~?": show escape_help; go on */
	ESCAPE_DISCONNECT	/* "~.": drop the connection */
};

/* The list "~?" shows, lines ending in CR LF (the terminal is raw). */
extern const char escape_help[];

/* A scanner at the start of a line. */
void	escape_init(struct escape *e);

/*
 * Scans in[0..n) into out, which has room for n + 1 bytes (a '~' held
 * from the last call may come first), and sets *outlen.  Stops at the
 * first sequence that asks for something and returns it (what followed
 * it in in is dropped for "~.", scanned on the next call for "~?": the
 * caller passes in + *used), else ESCAPE_NONE; *used is how many bytes
 * of in were taken.
 */
enum escape_action escape_scan(struct escape *e, const uint8_t *in, size_t n,
		    uint8_t *out, size_t *outlen, size_t *used);

#endif
