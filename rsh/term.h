/*
 * term: the local side of a terminal session: the request for a remote
 * terminal, raw mode, always undone (on return, exit(), an error, or a
 * signal that would end rsh), the terminal's size, and the escapes.
 */
#ifndef RSH_TERM_H
#define RSH_TERM_H

#include <stdint.h>

#include "wire.h"

#include "conn.h"
#include "escape.h"
#include "sink.h"

/*
 * Puts the terminal on fd in raw mode, as ssh does, after saving its
 * mode for term_restore().  Returns 0, or -1 with errno (nothing
 * changed).  At most one terminal at a time.
 */
int	term_raw(int fd);

/*
 * Puts back the mode term_raw() saved; nothing when none was.  Async-
 * signal-safe, and called by itself at exit() and by the handlers of
 * signals that would end rsh while the terminal is raw.
 */
void	term_restore(void);

/* The terminal's size on fd: 0 with *rows and *cols (neither 0), or -1. */
int	term_size(int fd, uint16_t *rows, uint16_t *cols);

/*
 * Makes e a terminal request: the PTY flag, the size of our terminal
 * (when stdin is one) and TERM from the environment, unless e has one.
 * When TERM is added, *env is a new list for e (e->env points to it; the
 * caller frees its last string and the list).  Returns 0, or -1 when
 * memory runs out.
 */
int	term_request(struct wire_exec *e, char ***env);

/* The local side of a terminal session. */
struct term_session {
	struct escape	esc;
};

/*
 * When stdin is a terminal: its escapes filter what p sends (ts must
 * outlive the connection; "~?" is answered on stderr here) and it goes
 * raw, s writing its lines for a raw terminal.  Returns 1 when raw, else
 * 0 (-tt without a terminal; a terminal that cannot go raw is said).
 */
int	term_session(struct conn_params *p, struct term_session *ts,
	    struct sink *s);

#endif
