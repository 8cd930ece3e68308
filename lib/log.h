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

void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Escapes p[0..len) for display with strvisx (VIS_CSTYLE | VIS_OCTAL |
 * VIS_NL... control bytes visible) into out, truncating to fit.  Returns
 * out.
 */
char	*log_vis(char *out, size_t outlen, const void *p, size_t len);

#endif
