/*
 * audit: JSON lines built in a growing buffer, written whole.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "wire.h"

#include "audit.h"

static pthread_mutex_t	 audit_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 audit_fd = -1;		/* guarded by audit_lock */
static char		*audit_path;		/* guarded by audit_lock */

struct audit_rec {
	struct audit_origin	 o;
	struct sockaddr_storage	 peer;
	char			*keyid;
	char			*account;
	char			*cwd;
	char			*forced;
	char			**argv;		/* NULL: the request did not decode */
	size_t			 argc;
	int			 shell;
	int			 pty;		/* on a terminal */
};

/* A line being built; once memory runs out it is NULL and stays so. */
struct line {
	char	*p;
	size_t	 len, cap;
	int	 failed;
};

static void
add(struct line *l, const char *s, size_t n)
{
	if (l->failed) {
		return;
	}
	if (l->p == NULL || l->cap - l->len <= n) {
		size_t	 cap = (l->cap == 0 ? 512 : l->cap) + n * 2;
		char	*p = realloc(l->p, cap);

		if (p == NULL) {
			free(l->p);
			l->p = NULL;
			l->failed = 1;
			return;
		}
		l->p = p;
		l->cap = cap;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

/* A string literal. */
#define ADDS(l, s)	add((l), (s), sizeof(s) - 1)

static void __attribute__((format(printf, 2, 3)))
addf(struct line *l, const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0) {
		add(l, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
	}
}

/* The length of a valid UTF-8 sequence at p (at most left bytes), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 :
	    p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : 0;

	if (n == 0 || n > left) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return n;
}

/* A JSON string of the bytes s[0..n). */
static void
add_str(struct line *l, const void *s, size_t n)
{
	const unsigned char *p = s;

	ADDS(l, "\"");
	for (size_t i = 0; i < n;) {
		size_t u;

		if (p[i] == '"' || p[i] == '\\') {
			addf(l, "\\%c", p[i]);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			addf(l, "\\u%04x", p[i]);
		} else if (p[i] < 0x80) {
			add(l, (const char *)p + i, 1);
		} else if ((u = utf8_len(p + i, n - i)) != 0) {
			add(l, (const char *)p + i, u);
			i += u;
			continue;
		} else {
			addf(l, "\\\\%03o", p[i]);	/* not UTF-8 */
		}
		i++;
	}
	ADDS(l, "\"");
}

/* {"time":...,"event":...,"conn":...,"transport":...,"peer":...,"port":... */
static void
add_head(struct line *l, const char *event, const struct audit_origin *o)
{
	struct timespec	ts;
	struct tm	tm;
	char		t[32], addr[NI_MAXHOST], port[NI_MAXSERV];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	if (getnameinfo((const struct sockaddr *)o->peer, sizeof(*o->peer),
	    addr, sizeof(addr), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(addr, sizeof(addr), "unknown");
		snprintf(port, sizeof(port), "0");
	}
	addf(l, "{\"time\":\"%s.%03ldZ\",\"event\":\"%s\",\"conn\":%llu,"
	    "\"transport\":\"%s\",\"peer\":\"%s\",\"port\":%s", t,
	    ts.tv_nsec / 1000000, event, (unsigned long long)o->conn,
	    o->udp ? "udp" : "tcp", addr, port);
}

/* Writes the line, whole, and frees it. */
static void
emit(struct line *l)
{
	ssize_t	w = -1;

	ADDS(l, "}\n");
	if (l->failed) {
		log_err("audit: out of memory; a record is lost");
		return;
	}
	char err[256] = "";

	pthread_mutex_lock(&audit_lock);
	if (audit_fd != -1 && (w = write(audit_fd, l->p, l->len)) !=
	    (ssize_t)l->len) {
		snprintf(err, sizeof(err), "%s: %s", audit_path, w == -1 ?
		    strerror(errno) : "short write");
	}
	pthread_mutex_unlock(&audit_lock);
	if (err[0] != '\0') {
		log_err("audit: cannot write %s", err);
	}
	free(l->p);
}

static int
open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
}

int
audit_open(const char *path, char *err, size_t errlen)
{
	int fd;

	if (path == NULL) {
		return 0;
	}
	if ((fd = open_file(path)) == -1) {
		snprintf(err, errlen, "audit log %s: %s", path,
		    strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&audit_lock);
	audit_fd = fd;
	free(audit_path);
	audit_path = strdup(path);
	pthread_mutex_unlock(&audit_lock);
	return 0;
}

int
audit_reopen(void)
{
	int fd, old, rc = 0;

	pthread_mutex_lock(&audit_lock);
	if (audit_path != NULL) {
		if ((fd = open_file(audit_path)) == -1) {
			/* The old file keeps the records meanwhile. */
			log_err("audit log %s: %s; still writing to the old "
			    "one", audit_path, strerror(errno));
			rc = -1;
		} else {
			old = audit_fd;
			audit_fd = fd;
			close(old);
		}
	}
	pthread_mutex_unlock(&audit_lock);
	return rc;
}

void
audit_close(void)
{
	pthread_mutex_lock(&audit_lock);
	if (audit_fd != -1) {
		close(audit_fd);
	}
	audit_fd = -1;
	free(audit_path);
	audit_path = NULL;
	pthread_mutex_unlock(&audit_lock);
}

int
audit_enabled(void)
{
	int on;

	pthread_mutex_lock(&audit_lock);
	on = audit_fd != -1;
	pthread_mutex_unlock(&audit_lock);
	return on;
}

struct audit_rec *
audit_rec_new(const struct audit_origin *o, const char *keyid,
    const struct wire_exec *e)
{
	struct audit_rec *r;

	if (!audit_enabled() || (r = calloc(1, sizeof(*r))) == NULL) {
		return NULL;
	}
	r->o = *o;
	r->peer = *o->peer;
	r->o.peer = &r->peer;
	if (keyid != NULL && (r->keyid = strdup(keyid)) == NULL) {
		goto fail;
	}
	if (e != NULL) {
		if ((r->argv = calloc(e->argc + 1, sizeof(char *))) == NULL) {
			goto fail;
		}
		for (size_t i = 0; i < e->argc; i++) {
			if ((r->argv[i] = strdup(e->argv[i])) == NULL) {
				goto fail;
			}
			r->argc++;
		}
		r->shell = e->has_flags && (e->flags & EXEC_FLAG_SHELL);
		r->pty = e->has_flags && (e->flags & EXEC_FLAG_PTY);
	}
	return r;
fail:
	audit_rec_free(r);
	return NULL;
}

void
audit_rec_account(struct audit_rec *r, const char *account)
{
	if (r != NULL && r->account == NULL) {
		r->account = strdup(account);
	}
}

/* *field, once, a copy of s. */
static void
set_once(char **field, const char *s)
{
	if (*field == NULL) {
		*field = strdup(s);
	}
}

void
audit_rec_cwd(struct audit_rec *r, const char *cwd)
{
	if (r != NULL) {
		set_once(&r->cwd, cwd);
	}
}

void
audit_rec_forced(struct audit_rec *r, const char *command)
{
	if (r != NULL) {
		set_once(&r->forced, command);
	}
}

void
audit_rec_free(struct audit_rec *r)
{
	if (r == NULL) {
		return;
	}
	for (size_t i = 0; r->argv != NULL && i < r->argc; i++) {
		free(r->argv[i]);
	}
	free(r->argv);
	free(r->keyid);
	free(r->account);
	free(r->cwd);
	free(r->forced);
	free(r);
}

/* "command":"..." for a shell command line, "argv":[...] otherwise. */
static void
add_request(struct line *l, const struct audit_rec *r)
{
	if (r->argv == NULL) {
		return;
	}
	if (r->pty) {
		/* An empty argv with it: the account's login shell. */
		ADDS(l, ",\"pty\":true");
	}
	if (r->shell && r->argc == 1) {
		ADDS(l, ",\"command\":");
		add_str(l, r->argv[0], strlen(r->argv[0]));
		return;
	}
	ADDS(l, ",\"argv\":[");
	for (size_t i = 0; i < r->argc; i++) {
		if (i > 0) {
			ADDS(l, ",");
		}
		add_str(l, r->argv[i], strlen(r->argv[i]));
	}
	ADDS(l, "]");
}

void
audit_rec_write(const struct audit_rec *r, pid_t pid, int how, int code,
    const char *refused, uint64_t elapsed_us, uint64_t bytes_in,
    uint64_t bytes_out)
{
	struct line l = { NULL, 0, 0, 0 };

	if (r == NULL) {
		return;
	}
	add_head(&l, refused != NULL ? "refused" : "command", &r->o);
	if (r->keyid != NULL) {
		ADDS(&l, ",\"key\":");
		add_str(&l, r->keyid, strlen(r->keyid));
	}
	if (r->account != NULL) {
		ADDS(&l, ",\"account\":");
		add_str(&l, r->account, strlen(r->account));
	}
	add_request(&l, r);
	if (r->forced != NULL) {
		ADDS(&l, ",\"forced\":");
		add_str(&l, r->forced, strlen(r->forced));
	}
	if (r->cwd != NULL) {
		ADDS(&l, ",\"cwd\":");
		add_str(&l, r->cwd, strlen(r->cwd));
	}
	if (refused != NULL) {
		ADDS(&l, ",\"refused\":");
		add_str(&l, refused, strlen(refused));
		addf(&l, ",\"status\":%d", code);
	} else {
		addf(&l, ",\"pid\":%d,\"%s\":%d", (int)pid,
		    how == EXIT_HOW_SIGNALED ? "signal" : "exit", code);
	}
	addf(&l, ",\"duration_ms\":%.3f,\"bytes_in\":%llu,"
	    "\"bytes_out\":%llu", (double)elapsed_us / 1000.0,
	    (unsigned long long)bytes_in, (unsigned long long)bytes_out);
	emit(&l);
}

void
audit_authfail(const struct audit_origin *o, const char *keyid,
    size_t idlen, const char *why)
{
	struct line l = { NULL, 0, 0, 0 };

	if (!audit_enabled()) {
		return;
	}
	add_head(&l, "auth_failed", o);
	ADDS(&l, ",\"key\":");
	add_str(&l, keyid, idlen);
	ADDS(&l, ",\"why\":");
	add_str(&l, why, strlen(why));
	emit(&l);
}
