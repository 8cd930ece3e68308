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
	pid_t		 pid;		/* the rsh child */
	int		 fd;		/* our end of its stdin or stdout */
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

/* SRC... (local) to r's host's DEST; HOST:SRC... to the local DEST.
 * rcp's exit status: 0, 1 (some entry failed, said) or 255. */
int	rcpcopy_to_host(struct rcp *r, char **src, int nsrc,
	    const char *dest);
int	rcpcopy_from_host(struct rcp *r, const char **src, int nsrc,
	    const char *dest);

#endif
