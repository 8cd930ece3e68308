/*
 * sink: where one connection's commands report: their output, rsh's own
 * messages about them, and how each ended.  The connection (conn.c, and
 * dgram.c for UDP) never writes to fds 1 and 2 itself, so that the same
 * connection can feed plain output (output.c), one JSON object a command
 * (json.c) or, later, lines prefixed by host.
 */
#ifndef RSH_SINK_H
#define RSH_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* rsh's own failures: cannot connect, authentication, protocol. */
#define RSH_EXIT_FAILURE	255
#define SINK_ERRMAX		512

/* How a command ended. */
enum {
	SINK_EXITED = 0,	/* code: its exit status */
	SINK_SIGNALED,		/* code: the signal */
	SINK_NOTSTARTED,	/* the server refused or could not start it */
	SINK_FAILED		/* rsh's own error: see error */
};

/*
 * Message levels: an error always shows; -q hides warnings; -v shows
 * infos.  Or'ed with SINK_NOHOST, the text names the host itself.
 */
enum { SINK_ERROR = 0, SINK_WARN, SINK_INFO };
#define SINK_NOHOST	0x10

struct sink_result {
	int		 how;		/* SINK_* above */
	int		 code;
	int		 status;	/* the exit status rsh ends with */
	const char	*error;		/* first error said, or NULL */
	long long	 duration_ms;	/* EXEC sent to EXIT or failure */
	uint64_t	 out_bytes, err_bytes;
	int		 sigpipe;	/* our stdout or stderr is a closed pipe */
	int		 timed_out;	/* 1: its time limit stopped it; 0: not;
					 * -1: cannot tell (UDP) */
};

struct sink;

struct sink_ops {
	/* A command is sent; e is valid only during the call. */
	void	(*begin)(struct sink *, const struct wire_exec *e);
	/*
	 * Output of the command on fd 1 or 2.  p need only stay valid until
	 * the next flush.  Returns 0, or -1 with errno when rsh's own stdout
	 * or stderr failed.
	 */
	int	(*data)(struct sink *, int fd, const uint8_t *p, size_t len);
	int	(*flush)(struct sink *);
	/*
	 * The command has ended; r is valid only during the call.  Returns
	 * 0, or -1 with errno when the sink could not write its report.
	 */
	int	(*end)(struct sink *, const struct sink_result *r);
	/*
	 * Optional: where rsh's own messages go, one whole line at a time
	 * ("rsh: ...\n"); NULL: stderr.  A master sends them to its caller.
	 */
	void	(*msg)(struct sink *, const char *line, size_t len);
};

/*
 * The common part of every sink.  The implementation embeds it first in
 * its own struct and sets ops; display names host and port in every
 * message ("web3:2222").
 */
struct sink {
	const struct sink_ops	*ops;
	const char		*display;
	int			 verbose;	/* -v */
	int			 quiet;		/* -q */
	int			 raw;		/* stderr is a raw terminal:
						 * lines end in CR LF */
	char			 error[SINK_ERRMAX];	/* "" until an error */
	int			 account;	/* the command sent ACCOUNT */
};

/*
 * "rsh: HOST:PORT: text" on stderr, unless the level is hidden.  The
 * first SINK_ERROR of a command is kept in s->error for its result.
 */
void	sink_msg(struct sink *s, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * An ERROR record's payload (u16 code, text) as "label: text", escaped,
 * at this level; a note, when not NULL, goes in parentheses after the
 * label.  Returns the code.
 */
uint16_t sink_server_error(struct sink *s, int level, const uint8_t *p,
	    size_t len, const char *note);

/* What to do about a failure, said once per rsh run after its error. */
enum sink_hint {
	SINK_HINT_AUTH = 0,	/* the server refused the key */
	SINK_HINT_NAME,		/* the server does not answer to the name */
	SINK_HINT_ACCOUNT,	/* the server does not know ACCOUNT */
	SINK_HINT_COUNT
};

/* The hint's line ("rsh: hint: ..."), unless -q or already given. */
void	sink_hint(struct sink *s, enum sink_hint which);

/* After a refusal's text (len bytes): the ACCOUNT hint when the command
 * named an account and the server did not know the tag. */
void	sink_hint_account(struct sink *s, const uint8_t *text, size_t len);

/* Clears s->error and tells the sink that e is sent. */
void	sink_begin(struct sink *s, const struct wire_exec *e);

/*
 * Fills in r's error from s->error and tells the sink the command ended.
 * When the sink cannot write, says so and makes r's status 255.
 */
void	sink_end(struct sink *s, struct sink_result *r);

static inline int
sink_data(struct sink *s, int fd, const uint8_t *p, size_t len)
{
	return s->ops->data(s, fd, p, len);
}

static inline int
sink_flush(struct sink *s)
{
	return s->ops->flush(s);
}

/*
 * The exit status for an EXIT's (or a UDP reply's) how and code: the
 * command's own status, 128 + N when signal N killed it, 255 for
 * anything the protocol does not define.  *kind gets the SINK_* kind.
 */
int	sink_exit_status(uint8_t how, uint8_t code, int *kind);

#endif
