/*
 * log: the daemon's and the client's one way to report.  Thread safe.
 * Untrusted bytes go through log_vis() before they reach a format string.
 */
#ifndef RSH_LOG_H
#define RSH_LOG_H

#include <stddef.h>

/* LOG_TO_BOTH: a daemon until it detaches, so that what stops its start
 * is seen on the terminal too. */
enum { LOG_TO_STDERR = 0, LOG_TO_SYSLOG = 1, LOG_TO_BOTH = 2 };

/* prog prefixes stderr lines ("rshd: ..."); debug enables log_debug. */
void	log_init(const char *prog, int where, int debug);

/*
 * From now on lines are queued for a writer thread, which does the
 * writing that may block (a stalled stderr reader, a busy journal); a
 * full queue drops lines, counted and reported by the next line written.
 * Call with the signals blocked that the thread must not take.  0 or -1.
 */
int	log_async_start(void);

/* Waits up to ms for the queue to be written: 0, or -1 on timeout. */
int	log_async_flush(int ms);

/* Writes what is queued (giving up after about 2 s) and goes back to
 * writing lines directly. */
void	log_async_stop(void);

void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Formats a parser's error message into the caller's err (errlen bytes,
 * truncated to fit) and returns -1, so that a parser can end with
 * `return log_errbuf(err, errlen, ...)`.  It reports nothing itself.
 */
int	log_errbuf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Escapes p[0..len) for display with strvisx (VIS_CSTYLE | VIS_OCTAL |
 * VIS_NL... control bytes visible) into out, truncating to fit.  Returns
 * out.
 */
char	*log_vis(char *out, size_t outlen, const void *p, size_t len);

#endif
