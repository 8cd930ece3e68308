/*
 * rcp_int.h: what rcp.c (the command line) and rcpcopy.c (the rsh child
 * and the two directions) share.  Private to them.
 */
#ifndef RSH_RCP_INT_H
#define RSH_RCP_INT_H

#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#define EXIT_RCP	255
#define MAXPASS		64

struct rcp {
	const char	*pass[MAXPASS];	/* rsh's options */
	int		 npass;
	int		 flags;		/* COPY_* */
	int		 quiet;
	int		 json;		/* --json: a summary on stdout */
	int		 progress;	/* stderr is a terminal, no -q */
	char		*host;		/* owned */
	char		*user;		/* owned; NULL: rsh's choice */
	const char	*label;		/* for messages: the host */
	const char	*rsh;		/* -S: the rsh to run; NULL: ours */
	/* -w: many hosts (rcpfan.c). */
	const char	**w, **x;	/* -w, -X lists, in order */
	size_t		 nw, nx;
	int		 fanout;	/* -f, 0: not given */
	int		 gather;	/* --gather: from the hosts into DIR */
	int		 fan;		/* a worker: messages name the host */
	int		 destfd;	/* from a host into this directory
					 * (owned), not dest; -1: none */
	/* The copy's connection: in our process (rcpconn.c), or through
	 * an rsh child. */
	struct rcpconn	*conn;		/* owned; NULL: none, or a child */
	pid_t		 pid;		/* the rsh child */
	int		 fd;		/* our end of its stdin or stdout */
	int		 got;		/* a byte of the stream came */
	int		 bad;		/* the stream was refused (said) */
	/* The progress line. */
	struct timespec	 t0, last;
	uint64_t	 total;	/* data bytes copied */
};

/* A failure, one sentence, on stderr (clearing the progress line). */
void	rcp_say(void *ctx, const char *msg);

/* bytes more of the entry name copied: the total, the progress line. */
void	rcp_progress(void *ctx, const char *name, uint64_t bytes);

/* Seconds from a to b. */
double	rcp_since(const struct timespec *a, const struct timespec *b);

/* --json: one object, one line, on stdout.  to: the direction. */
void	rcp_summary(const struct rcp *r, int to, int rc);

/* SRC... (local) to r's host's DEST; HOST:SRC... to the local DEST (or
 * into r->destfd, which it takes, when that is not -1).
 * rcp's exit status: 0, 1 (some entry failed, said) or 255. */
int	rcpcopy_to_host(struct rcp *r, char **src, int nsrc,
	    const char *dest);
int	rcpcopy_from_host(struct rcp *r, const char **src, int nsrc,
	    const char *dest);

/*
 * The words of rsh's command line for a copy on r's host: rsh's options,
 * -x, -n when from the host, the host, the command words (nwords).
 * Allocated (the strings are borrowed), *ac set; NULL when out of memory.
 */
const char **rcpcopy_argv(const struct rcp *r, int to,
	    const char **words, int nwords, int *ac);

/* The status rcp ends with when the copy's command (rsh's status) ended
 * with st: rsh-copy's 1 and 2 are 1; 126 and 127 (no rsh-copy there)
 * said, 255; 128 + HUP, INT, QUIT or TERM (the copy stopped by that
 * signal to us) as they are; any other failure 255. */
int	rcpcopy_status(const struct rcp *r, int st);

struct copysink;

/*
 * rcpconn.c: starts rsh-copy with words on r's host in this process, as
 * rsh would: r->conn.  From the host (cs not NULL) the stream goes into
 * cs as it comes.  Returns 0 (a failure to connect is the connection's,
 * said, and rcpconn_finish gives its status); 1 when the copy must go
 * through an rsh child instead (-S, the target's master runs or
 * ControlPersist is set); -1 (said).
 */
int	rcpconn_start(struct rcp *r, int to, const char **words, int nwords,
	    struct copysink *cs);

/* copysrc's write: all n bytes into the command's stdin, driving the
 * connection while it cannot take more.  0, or -1 (errno). */
int	rcpconn_write(void *ctx, const void *p, size_t n);

/* Ends the command's stdin, drives the connection until the command has
 * ended, frees r->conn: rsh's exit status. */
int	rcpconn_finish(struct rcp *r);

struct hostlist;

/*
 * rcp -w: SRC... (local) to DEST on every host of hosts, or with
 * r->gather SRC... of every host into DEST/HOST/; at most fanout hosts
 * at once, each in a child of ours.  Says the failed hosts on stderr.
 * Returns 0 when every host succeeded, else the largest of the hosts'
 * statuses (1 some entry failed, 255 a host that failed as a whole), or
 * 128 + the signal that stopped us; 255 when rcp itself failed.
 */
int	rcpfan_run(struct rcp *r, const struct hostlist *hosts, int fanout,
	    char **src, int nsrc, const char *dest);

#endif
