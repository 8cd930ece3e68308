/*
 * log: the one module that prints.
 *
 * A stderr line goes out in a single write(2) so that lines from different
 * threads never interleave; syslog(3) is thread safe on its own.  The
 * configuration is guarded by log_conf_lock because the daemon switches
 * from stderr to syslog while other code may already be logging.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
/* libbsd warns about NetBSD's strnvis() unless told which one we mean. */
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "log.h"

#define LOG_LINEMAX	2048
#define LOG_PROGMAX	32

static pthread_mutex_t log_conf_lock = PTHREAD_MUTEX_INITIALIZER;
static char	log_prog[LOG_PROGMAX];	/* guarded by log_conf_lock */
static int	log_where = LOG_TO_STDERR;	/* guarded by log_conf_lock */
static int	log_debugging;		/* guarded by log_conf_lock */

void
log_init(const char *prog, int where, int debug)
{
	pthread_mutex_lock(&log_conf_lock);
	if (log_where != LOG_TO_STDERR)
		closelog();
	/* openlog() keeps this pointer; log_prog outlives every call. */
	strlcpy(log_prog, prog, sizeof(log_prog));
	log_where = where;
	log_debugging = debug;
	if (where != LOG_TO_STDERR)
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	pthread_mutex_unlock(&log_conf_lock);
}

/* Writes all of p, retrying on EINTR; a short stderr is not our problem. */
static void
log_write(const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void	log_emit(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
log_emit(int prio, const char *fmt, va_list ap)
{
	char line[LOG_LINEMAX];
	int saved_errno = errno, where, debug, n;
	size_t len;

	pthread_mutex_lock(&log_conf_lock);
	where = log_where;
	debug = log_debugging;
	if (log_prog[0] == '\0')
		strlcpy(log_prog, getprogname(), sizeof(log_prog));
	n = snprintf(line, sizeof(line), "%s: ", log_prog);
	pthread_mutex_unlock(&log_conf_lock);
	if (prio == LOG_DEBUG && !debug)
		goto out;
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	len = (size_t)n;
	/* Leave room for the newline; vsnprintf truncates the rest. */
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(line) - len - 1)
		n = (int)(sizeof(line) - len - 2);
	if (where != LOG_TO_STDERR) {
		/* Under the lock: log_init() may be rewriting the ident. */
		pthread_mutex_lock(&log_conf_lock);
		syslog(prio, "%s", line + len);
		pthread_mutex_unlock(&log_conf_lock);
		if (where == LOG_TO_SYSLOG)
			goto out;
	}
	len += (size_t)n;
	line[len++] = '\n';
	log_write(line, len);
out:
	errno = saved_errno;
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/*
 * Escapes p[0..len) into out[0..lim), whole escapes only, NUL terminated.
 * Returns how many input bytes fit.  Each byte goes through vis(3) with
 * its successor so that "\0" before a digit becomes "\000", as strvisx
 * would do; VIS_NOLOCALE keeps the output independent of the locale.
 */
static size_t
log_vis_some(char *out, size_t lim, const unsigned char *p, size_t len)
{
	char esc[8], *end;
	size_t i, used = 0, n;

	for (i = 0; i < len; i++) {
		end = vis(esc, p[i], VIS_CSTYLE | VIS_OCTAL | VIS_TAB |
		    VIS_NL | VIS_NOLOCALE, i + 1 < len ? p[i + 1] : '\0');
		n = (size_t)(end - esc);
		if (n >= lim - used)
			break;
		memcpy(out + used, esc, n);
		used += n;
	}
	out[used] = '\0';
	return i;
}

char *
log_vis(char *out, size_t outlen, const void *p, size_t len)
{
	static const char more[] = "...";

	if (outlen == 0)
		return out;
	if (log_vis_some(out, outlen, p, len) == len)
		return out;
	/* Cut: say so, if there is room to, at an escape boundary. */
	if (outlen > sizeof(more)) {
		log_vis_some(out, outlen - (sizeof(more) - 1), p, len);
		strlcat(out, more, outlen);
	}
	return out;
}
