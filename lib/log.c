/*
 * log: the one module that prints.
 *
 * A stderr line goes out in a single write(2) so that lines from different
 * threads never interleave; syslog(3) is thread safe on its own.  The
 * configuration is guarded by log_conf_lock because the daemon switches
 * from stderr to syslog while other code may already be logging.
 *
 * In asynchronous mode (the daemon, once it runs) a line is only queued:
 * one writer thread does the write(2) or syslog(3) that may block when
 * whoever reads stderr or the journal stalls.  A full queue drops lines
 * and counts them, and the next line written says how many were lost, so
 * that a stalled reader slows nothing but the log.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
/* libbsd warns about NetBSD's strnvis() unless told which one we mean. */
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "log.h"
#include "netio.h"

#define LOG_LINEMAX	2048
#define LOG_PROGMAX	32
/* The queue's bounds in asynchronous mode. */
#define LOG_QLINES	1024
#define LOG_QBYTES	(128 * 1024)
/* At exit, how long the writer may take to empty the queue. */
#define LOG_DRAIN_MS	2000

static pthread_mutex_t log_conf_lock = PTHREAD_MUTEX_INITIALIZER;
static char	log_prog[LOG_PROGMAX];	/* guarded by log_conf_lock */
static int	log_where = LOG_TO_STDERR;	/* guarded by log_conf_lock */
static int	log_debugging;		/* guarded by log_conf_lock */

struct log_line {
	int	where, prio;
	size_t	len, msgoff;	/* text[msgoff..] is the message alone */
	char	text[];
};

static pthread_mutex_t	log_q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	log_q_cond = PTHREAD_COND_INITIALIZER;
/* Guarded by log_q_lock. */
static struct log_line	*log_q[LOG_QLINES];
static size_t		 log_q_head, log_q_count, log_q_bytes;
static unsigned long	 log_q_dropped;
static int		 log_q_on, log_q_stopping, log_q_idle = 1;
static pthread_t	 log_q_writer;

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

/* Sends one whole line ("prog: message\n") where it goes. */
static void
log_out(int where, int prio, const char *line, size_t len, size_t msgoff)
{
	if (where != LOG_TO_STDERR) {
		/* Under the lock: log_init() may be rewriting the ident. */
		pthread_mutex_lock(&log_conf_lock);
		syslog(prio, "%.*s", (int)(len - msgoff - 1), line + msgoff);
		pthread_mutex_unlock(&log_conf_lock);
		if (where == LOG_TO_SYSLOG)
			return;
	}
	log_write(line, len);
}

/* Queues the line when in asynchronous mode: 1 when it was taken care
 * of (queued, or dropped and counted), 0 when the caller writes it. */
static int
log_enqueue(int where, int prio, const char *line, size_t len,
    size_t msgoff)
{
	struct log_line *l;
	int taken = 1;

	pthread_mutex_lock(&log_q_lock);
	if (!log_q_on) {
		taken = 0;
	} else if (log_q_count == LOG_QLINES ||
	    log_q_bytes > LOG_QBYTES - len ||
	    (l = malloc(sizeof(*l) + len)) == NULL) {
		log_q_dropped++;
	} else {
		l->where = where;
		l->prio = prio;
		l->len = len;
		l->msgoff = msgoff;
		memcpy(l->text, line, len);
		log_q[(log_q_head + log_q_count++) % LOG_QLINES] = l;
		log_q_bytes += len;
		log_q_idle = 0;
		pthread_cond_broadcast(&log_q_cond);
	}
	pthread_mutex_unlock(&log_q_lock);
	return taken;
}

static void *
log_writer(void *arg)
{
	struct log_line *l;
	unsigned long dropped;
	char note[128];
	int n;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&log_q_lock);
		while (log_q_count == 0 && !log_q_stopping) {
			log_q_idle = 1;
			pthread_cond_broadcast(&log_q_cond);
			pthread_cond_wait(&log_q_cond, &log_q_lock);
		}
		if (log_q_count == 0) {
			pthread_mutex_unlock(&log_q_lock);
			break;
		}
		l = log_q[log_q_head];
		log_q_head = (log_q_head + 1) % LOG_QLINES;
		log_q_count--;
		log_q_bytes -= l->len;
		dropped = log_q_dropped;
		log_q_dropped = 0;
		pthread_mutex_unlock(&log_q_lock);
		if (dropped > 0) {
			n = snprintf(note, sizeof(note), "%.*s%lu log lines "
			    "dropped: the log could not keep up\n",
			    (int)l->msgoff, l->text, dropped);
			if (n > 0 && (size_t)n < sizeof(note))
				log_out(l->where, LOG_WARNING, note, (size_t)n,
				    l->msgoff);
		}
		log_out(l->where, l->prio, l->text, l->len, l->msgoff);
		free(l);
	}
	return NULL;
}

int
log_async_start(void)
{
	pthread_mutex_lock(&log_q_lock);
	if (log_q_on) {
		pthread_mutex_unlock(&log_q_lock);
		return 0;
	}
	log_q_stopping = 0;
	if (pthread_create(&log_q_writer, NULL, log_writer, NULL) != 0) {
		pthread_mutex_unlock(&log_q_lock);
		return -1;
	}
	log_q_on = 1;
	pthread_mutex_unlock(&log_q_lock);
	return 0;
}

int
log_async_flush(int ms)
{
	struct timespec ts;
	int rc = 0;

	netio_abstime(&ts, ms);
	pthread_mutex_lock(&log_q_lock);
	while (log_q_on && !log_q_idle && rc == 0)
		rc = pthread_cond_timedwait(&log_q_cond, &log_q_lock, &ts);
	pthread_mutex_unlock(&log_q_lock);
	return rc == 0 ? 0 : -1;
}

void
log_async_stop(void)
{
	struct timespec ts;

	pthread_mutex_lock(&log_q_lock);
	if (!log_q_on) {
		pthread_mutex_unlock(&log_q_lock);
		return;
	}
	log_q_stopping = 1;
	pthread_cond_broadcast(&log_q_cond);
	pthread_mutex_unlock(&log_q_lock);
	netio_abstime(&ts, LOG_DRAIN_MS);
	/* A writer stuck on a stalled reader is left behind: the process is
	 * about to exit, and what it holds is lost with it. */
	if (pthread_timedjoin_np(log_q_writer, NULL, &ts) != 0)
		return;
	pthread_mutex_lock(&log_q_lock);
	log_q_on = 0;
	pthread_mutex_unlock(&log_q_lock);
}

static void	log_emit(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
log_emit(int prio, const char *fmt, va_list ap)
{
	char line[LOG_LINEMAX];
	int saved_errno = errno, where, debug, n;
	size_t len, msgoff;

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
	len = msgoff = (size_t)n;
	/* Leave room for the newline; vsnprintf truncates the rest. */
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(line) - len - 1)
		n = (int)(sizeof(line) - len - 2);
	len += (size_t)n;
	line[len++] = '\n';
	if (!log_enqueue(where, prio, line, len, msgoff))
		log_out(where, prio, line, len, msgoff);
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

int
log_errbuf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
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
