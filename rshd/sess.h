/*
 * sess.h: the inside of a session, shared by session.c (the connection:
 * handshake, records, the poll loop) and command.c (the one command it
 * runs at a time).  Not for other modules.
 */
#ifndef RSHD_SESS_H
#define RSHD_SESS_H

#include <sys/socket.h>

#include <stdint.h>

#include "buf.h"
#include "keys.h"
#include "netio.h"
#include "wire.h"

#include "exec.h"
#include "server.h"

/* Stop reading the command's output while this much waits for the socket. */
#define SESS_OUT_HIGH	(256 * 1024)
#define SESS_OUT_MAX	(SESS_OUT_HIGH + 4 * WIRE_MAXRECORD)
#define SESS_IN_MAX	(4 * WIRE_MAXRECORD)

struct command {
	int		 running;	/* an EXEC is being answered */
	struct child	 child;
	uint64_t	 t_start_us;	/* EXEC received, for EXIT's elapsed */
	char		 what[128];	/* argv[0], escaped, for the log */
	uint64_t	 credit;	/* STDIN bytes the client may send */
	uint64_t	 ungranted;	/* written to the child, not granted */
	struct buf	 stdin_q;	/* STDIN waiting for the child */
	int		 stdin_eof;	/* STDIN_EOF received */
	int		 exited;	/* the leader is reaped */
	int		 how, code;
	long long	 deadline;	/* TIMEOUT, monotonic ms; 0: none */
	long long	 drain_until;	/* after exit: output grace */
	long long	 kill_at;	/* after TERM: when to KILL */
	int		 stopping;	/* TERM sent (timeout or shutdown) */
	int		 cleanup;	/* after EXIT: group check, reap, close */
	uint64_t	 owed;		/* output in the pipes at exit */
	uint64_t	 read_after_exit;
};

struct session {
	struct rshd		*d;
	int			 fd;
	struct sockaddr_storage	 peer;
	char			 peerstr[NETIO_ADDRSTRMAX];
	char			 localname[NETIO_NAMEMAX];
	struct wire_dir		*rx, *tx;
	struct buf		 in, out;
	const struct key	*key;
	int			 authed;	/* unauth slot given back */
	int			 shutting_down;	/* SHUTDOWN seen */
	int			 draining;	/* flush out, then close */
	uint64_t		 out_sent;	/* bytes of out written so far */
	uint64_t		 pong_end;	/* out_sent when our PONG is gone */
	struct command		 cmd;
};

/* Queues one sealed record; -1 when out is full (the peer stopped reading). */
int	sess_send(struct session *s, uint8_t type, const void *p, size_t len);

/* Queues ERROR code with text. */
int	sess_send_error(struct session *s, uint16_t code, const char *text);

/* command.c: handling of EXEC and the records of a running command.
 * Each returns 0, or -1 when the connection must close (protocol error or
 * a failure to queue). */
int	command_exec(struct session *s, const uint8_t *p, size_t len);
int	command_stdin(struct session *s, const uint8_t *p, size_t len);
int	command_stdin_eof(struct session *s);
void	command_signal(struct session *s, uint8_t sig);

/* Fills the command's pollfds: stdin, stdout, stderr, pidfd. */
void	command_pollfds(struct session *s, struct pollfd pfd[4]);
/* Acts on what poll() said of them and on the command's timers. */
int	command_events(struct session *s, const struct pollfd pfd[4]);
/* Milliseconds until the command's next timer, or -1 for none. */
int	command_timeout(const struct session *s);
/* Asks the command to stop because the server is shutting down. */
int	command_shutdown(struct session *s);
/* Kills and forgets the command (connection lost, BYE, protocol error). */
void	command_abort(struct session *s);
/*
 * After EXIT has been flushed: stops what the command left in its group
 * when it must (time limit, shutdown, stdin never closed), reaps the
 * leader and closes its fds.  Kept off the client's critical path.
 */
void	command_cleanup(struct session *s);

#endif
