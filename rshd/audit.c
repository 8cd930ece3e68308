/*
 * audit: JSON lines built in a growing buffer, written whole or not at
 * all.
 *
 * A full disk takes part of a line (the rest of the file's last block)
 * and then nothing; left there, that half line and the next record,
 * written once space returns, would make one line no JSON parser reads.
 * So a short write is cut off again with ftruncate() to where the line
 * began (O_APPEND: the offset after the write minus what it wrote; all
 * under audit_lock, so no other line can have followed it).  Lost records
 * are counted and logged once per AUDIT_REPORT_S, not once each.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "netio.h"
#include "utf8.h"
#include "wire.h"

#include "audit.h"

#define AUDIT_REPORT_S	60	/* lost records are logged this often */

static pthread_mutex_t	 audit_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 audit_fd = -1;		/* guarded by audit_lock */
static char		*audit_path;		/* guarded by audit_lock */
static off_t		 audit_torn = -1;	/* guarded by audit_lock: a
						 * part line to cut here */
static uint64_t		 audit_lost;		/* guarded by audit_lock: not
						 * yet reported */
static int		 audit_failing;		/* guarded by audit_lock */
static time_t		 audit_next_report;	/* guarded by audit_lock */
static uint64_t		 audit_ids;		/* atomic: the last id given */

struct audit_rec {
	uint64_t		 id;		/* start and exit records share it */
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
		/* Doubling: a record of many small escapes must not cost a
		 * realloc() (and a copy) a piece. */
		size_t	 cap = l->cap == 0 ? 512 : l->cap * 2;

		if (cap - l->len <= n) {
			cap = l->len + n * 2 + 1;
		}
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

static void
put_line(void *ctx, const char *s, size_t n)
{
	add(ctx, s, n);
}

/* A JSON string of the bytes s[0..n), which a strict parser reads. */
static void
add_str(struct line *l, const void *s, size_t n)
{
	ADDS(l, "\"");
	utf8_json_escape(s, n, put_line, l);
	ADDS(l, "\"");
}

/* {"time":...,"event":...,"conn":...,"transport":...,"peer":...,"port":... */
static void
add_head(struct line *l, const char *event, const struct audit_origin *o)
{
	struct timespec	ts;
	struct tm	tm;
	char		t[32], addr[NETIO_ADDRSTRMAX];
	unsigned	port;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	/* An IPv4 client of a dual-stack listener as IPv4. */
	if (netio_addr_host_port((const struct sockaddr *)o->peer, addr,
	    sizeof(addr), &port) == -1) {
		snprintf(addr, sizeof(addr), "unknown");
		port = 0;
	}
	addf(l, "{\"time\":\"%s.%03ldZ\",\"event\":\"%s\",\"conn\":%llu,"
	    "\"transport\":\"%s\",\"peer\":\"%s\",\"port\":%u", t,
	    ts.tv_nsec / 1000000, event, (unsigned long long)o->conn,
	    o->udp ? "udp" : "tcp", addr, port);
}

/*
 * Appends the line with one write(2), or nothing: a part written is cut
 * off again.  Holds audit_lock.  0, or -1 with errno.
 */
static int
write_whole(const char *p, size_t len)
{
	ssize_t	w;
	off_t	end;
	int	e;

	if (audit_torn != -1) {
		/* A cut that failed before: no line may follow that part. */
		if (ftruncate(audit_fd, audit_torn) == -1) {
			return -1;
		}
		audit_torn = -1;
	}
	do {
		w = write(audit_fd, p, len);
	} while (w == -1 && errno == EINTR);
	if (w == (ssize_t)len) {
		return 0;
	}
	e = w == -1 ? errno : ENOSPC;
	if (w > 0 && (end = lseek(audit_fd, 0, SEEK_CUR)) != -1 &&
	    ftruncate(audit_fd, end - w) == -1) {
		audit_torn = end - w;
	}
	errno = e;
	return -1;
}

/*
 * One record lost for why, or (why NULL) one written: what the log says
 * of it, in msg ("" for nothing).  Holds audit_lock.
 */
static void
count(const char *why, char *msg, size_t msglen)
{
	time_t now = time(NULL);

	msg[0] = '\0';
	if (why == NULL) {
		if (audit_failing) {
			snprintf(msg, msglen, "audit: writing %s again; %llu "
			    "more record%s lost before it could", audit_path,
			    (unsigned long long)audit_lost,
			    audit_lost == 1 ? "" : "s");
		}
		audit_failing = 0;
		audit_lost = 0;
		audit_next_report = 0;
		return;
	}
	audit_failing = 1;
	audit_lost++;
	if (now >= audit_next_report) {
		snprintf(msg, msglen, "audit: cannot write %s: %s; %llu "
		    "record%s lost (said again every %d s while it lasts)",
		    audit_path, why, (unsigned long long)audit_lost,
		    audit_lost == 1 ? "" : "s", AUDIT_REPORT_S);
		audit_lost = 0;
		audit_next_report = now + AUDIT_REPORT_S;
	}
}

/* Writes the line, whole, and frees it.  0, or -1 with the reason in
 * why when it was lost. */
static int
emit(struct line *l, char *why, size_t whylen)
{
	char	msg[PATH_MAX + 256] = "";
	int	rc = 0;

	ADDS(l, "}\n");
	pthread_mutex_lock(&audit_lock);
	if (audit_fd == -1) {
		/* Closed meanwhile (shutdown): nothing to write to. */
	} else if (l->failed) {
		snprintf(why, whylen, "out of memory");
		rc = -1;
	} else if (write_whole(l->p, l->len) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		rc = -1;
	}
	if (audit_fd != -1) {
		count(rc == -1 ? why : NULL, msg, sizeof(msg));
	}
	pthread_mutex_unlock(&audit_lock);
	if (msg[0] != '\0') {
		log_err("%s", msg);
	}
	free(l->p);
	return rc;
}

int
audit_open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
}

/* How audit_reopen opens the file: the privileged part does it once the
 * network part has no right to (audit_set_opener). */
static int (*open_file)(const char *) = audit_open_file;

void
audit_set_opener(int (*opener)(const char *path))
{
	open_file = opener;
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
	audit_torn = -1;
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
			audit_torn = -1;	/* in the old file */
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
	audit_torn = -1;
	free(audit_path);
	audit_path = NULL;
	pthread_mutex_unlock(&audit_lock);
}

/* A record lost before it was built: counted like the others. */
static void
lost_nomem(void)
{
	struct line l = { NULL, 0, 0, 1 };
	char why[32];

	(void)emit(&l, why, sizeof(why));
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

	if (!audit_enabled()) {
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		goto fail;
	}
	r->id = __atomic_add_fetch(&audit_ids, 1, __ATOMIC_RELAXED);
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
	lost_nomem();
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

/* "id", "key", "account" and the request: what both records hold. */
static void
add_body(struct line *l, const struct audit_rec *r)
{
	addf(l, ",\"id\":%llu", (unsigned long long)r->id);
	if (r->keyid != NULL) {
		ADDS(l, ",\"key\":");
		add_str(l, r->keyid, strlen(r->keyid));
	}
	if (r->account != NULL) {
		ADDS(l, ",\"account\":");
		add_str(l, r->account, strlen(r->account));
	}
	add_request(l, r);
	if (r->forced != NULL) {
		ADDS(l, ",\"forced\":");
		add_str(l, r->forced, strlen(r->forced));
	}
	if (r->cwd != NULL) {
		ADDS(l, ",\"cwd\":");
		add_str(l, r->cwd, strlen(r->cwd));
	}
}

int
audit_rec_start(const struct audit_rec *r, char *why, size_t whylen)
{
	struct line l = { NULL, 0, 0, 0 };

	if (r == NULL) {
		return 0;
	}
	add_head(&l, "start", &r->o);
	add_body(&l, r);
	return emit(&l, why, whylen);
}

void
audit_rec_write(const struct audit_rec *r, const struct audit_end *e)
{
	struct line	l = { NULL, 0, 0, 0 };
	char		why[128];

	if (r == NULL) {
		return;
	}
	add_head(&l, e->refused != NULL ? "refused" : "exit", &r->o);
	add_body(&l, r);
	if (e->refused != NULL) {
		ADDS(&l, ",\"refused\":");
		add_str(&l, e->refused, strlen(e->refused));
		addf(&l, ",\"status\":%d", e->code);
	} else {
		addf(&l, ",\"pid\":%d,\"%s\":%d", (int)e->pid,
		    e->how == EXIT_HOW_SIGNALED ? "signal" : "exit", e->code);
	}
	addf(&l, ",\"duration_ms\":%.3f,\"bytes_in\":%llu,"
	    "\"bytes_out\":%llu", (double)e->elapsed_us / 1000.0,
	    (unsigned long long)e->bytes_in,
	    (unsigned long long)e->bytes_out);
	if (e->refused == NULL && e->maxrss_kib > 0) {
		addf(&l, ",\"cpu_ms\":%.3f,\"maxrss_kib\":%llu",
		    (double)e->cpu_us / 1000.0,
		    (unsigned long long)e->maxrss_kib);
	}
	(void)emit(&l, why, sizeof(why));
}

void
audit_authfail(const struct audit_origin *o, const char *keyid,
    size_t idlen, const char *why)
{
	struct line	l = { NULL, 0, 0, 0 };
	char		lost[128];

	if (!audit_enabled()) {
		return;
	}
	add_head(&l, "auth_failed", o);
	ADDS(&l, ",\"key\":");
	add_str(&l, keyid, idlen);
	ADDS(&l, ",\"why\":");
	add_str(&l, why, strlen(why));
	(void)emit(&l, lost, sizeof(lost));
}
