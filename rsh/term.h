/*
 * term: the local terminal of an interactive session: raw mode, always
 * undone (on return, exit(), an error, or a signal that would end rsh),
 * and its size.
 */
#ifndef RSH_TERM_H
#define RSH_TERM_H

#include <stdint.h>

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

#endif
