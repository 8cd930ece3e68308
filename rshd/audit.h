/*
 * audit: AuditLog FILE, one JSON object per line: a start record before
 * a command runs and its exit record when it ends (the same "id"), one
 * record for every refused request and every failed authentication.
 * Each line is built whole and written with one write(2) to a file
 * opened O_APPEND, so lines from many threads never mix; a line the disk
 * took only part of is cut off again, so that every line stays whole
 * JSON; records that cannot be written are counted and logged once a
 * minute.  SIGHUP reopens the file (rotation).  Bytes from a client are
 * escaped so that a strict JSON parser reads every line: JSON escapes,
 * and each byte that is not valid UTF-8 as \u00XX (utf8.h).
 */
#ifndef RSHD_AUDIT_H
#define RSHD_AUDIT_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Opens path for appending (mode 0600); NULL turns auditing off.  0, or
 * -1 with a sentence in err. */
int	audit_open(const char *path, char *err, size_t errlen);

/* Reopens the file under the same name (after a rotation).  0 or -1. */
int	audit_reopen(void);

/* The open(2) audit_open and audit_reopen make: an fd, or -1 and errno. */
int	audit_open_file(const char *path);

/* What audit_reopen calls instead (the network part asks the privileged
 * part, which opens its own AuditLog: path is only for messages). */
void	audit_set_opener(int (*opener)(const char *path));

void	audit_close(void);

/* 1 when an audit log is open. */
int	audit_enabled(void);

/* Who asked: the same for every record of a connection or request. */
struct audit_origin {
	uint64_t			 conn;	/* connection or request id */
	int				 udp;
	const struct sockaddr_storage	*peer;
};

/* One command's record, filled as it goes; owned by its job. */
struct audit_rec;

/* A record for a request from o for key (NULL when unknown), with the
 * request e (NULL when it did not decode), and a new id.  NULL when
 * memory runs out or auditing is off. */
struct audit_rec *audit_rec_new(const struct audit_origin *o,
		    const char *keyid, const struct wire_exec *e);
void		 audit_rec_account(struct audit_rec *, const char *account);
/* The directory the command runs in. */
void		 audit_rec_cwd(struct audit_rec *, const char *cwd);
/* A command= key's command, which runs instead of the one asked for. */
void		 audit_rec_forced(struct audit_rec *, const char *command);
void		 audit_rec_free(struct audit_rec *);

/*
 * Writes r's start record: who asked and what will run.  0, or -1 when
 * it could not be written (the record is lost and counted), with the
 * reason in why.  NULL r does nothing and returns 0.
 */
int	audit_rec_start(const struct audit_rec *r, char *why, size_t whylen);

/* How a command ended, for its exit or refused record. */
struct audit_end {
	pid_t		 pid;		/* 0: never started */
	int		 how;		/* as in EXIT; a refusal: how 2 */
	int		 code;
	const char	*refused;	/* a refusal's text, or NULL */
	uint64_t	 elapsed_us;
	uint64_t	 bytes_in, bytes_out;	/* it read and wrote */
	uint64_t	 cpu_us;	/* user and system time, its waited-for
					 * children's with it */
	uint64_t	 maxrss_kib;	/* 0: not known */
};

/* Writes r's exit record, or for a refusal its refused record. */
void	audit_rec_write(const struct audit_rec *r, const struct audit_end *e);

/* A failed authentication from o, naming the key id it tried. */
void	audit_authfail(const struct audit_origin *o, const char *keyid,
	    size_t idlen, const char *why);

#endif
