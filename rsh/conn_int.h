/*
 * conn_int: the connection object's insides, shared by conn.c (connect,
 * handshake, socket I/O, timers) and conn_rec.c (records, stdin, signals,
 * PING).  Nothing else includes it.
 */
#ifndef RSH_CONN_INT_H
#define RSH_CONN_INT_H

#include <stdint.h>

#include "crypto.h"
#include "handshake.h"
#include "recloop.h"
#include "wire.h"

#include "conn.h"
#include "dial.h"
#include "sink.h"

/* The connection's state. */
enum { ST_NEW, ST_CONNECT, ST_S1, ST_S2, ST_OPEN, ST_RETRY, ST_CLOSED };

/* The command's state. */
enum { CMD_NONE, CMD_SENT, CMD_STARTED };

struct conn {
	struct conn_params	 p;
	struct sink		*sink;
	int			 state;
	struct dial		 dial;
	int			 fd;
	int			 attempt;	/* busy refusals so far */
	struct hs_client	 hs;
	int			 prepared;	/* nc and xkey are made */
	uint8_t			 nc[CRYPTO_KEYLEN];
	struct crypto_x25519_key *xkey;		/* ours until hs_client_init */
	struct recloop		 rl;		/* the socket's bytes, records */
	uint8_t			*exec;		/* an EXEC waiting for C1 */
	size_t			 execlen;
	int			 cmd;
	int			 error_seen;	/* an ERROR for this command */
	uint64_t		 credit;	/* STDIN bytes we may send */
	uint64_t		 credit_min;	/* and the least worth a read */
	int			 stdin_open;	/* still forwarding in_fd */
	int			 eof_due;	/* conn_input_end came before
						 * STARTED: EOF goes with it */
	int			 interrupts;
	int			 ping_out;	/* a PING awaits its PONG */
	int			 unanswered;	/* alive ticks with no byte */
	int			 held;		/* conn_hold: input waits */
	int			 first_byte;	/* output seen (-v) */
	uint64_t		 t0_us, exec_us;
	/* For conn_unaccepted: where the EXEC ends in the bytes we send,
	 * and the bytes received when it was queued; 0: not sent on an
	 * open connection. */
	uint64_t		 exec_end, exec_heard;
	int			 unaccepted;
	long long		 reset_wait;	/* an end of file that a reset
						 * may follow: wait until */
	long long		 deadline;	/* connect + handshake, or 0 */
	long long		 alive_at, retry_at;
	struct sink_result	 result;
};

/* Milliseconds since t (microseconds), for -v. */
double	conn_ms_since(uint64_t t);

/*
 * Ends the connection with status (255 for rsh's own errors): the
 * command, if one is under way, ends with it.  The message, if fmt is
 * not NULL, is said first at SINK_ERROR (or'ed with SINK_NOHOST when
 * nohost).
 */
void	conn_fail(struct conn *c, int status, int nohost, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* The command under way ended as r says (EXIT, or a failure). */
void	conn_end_cmd(struct conn *c, int how, int code, int status);

/* Seals a record of len payload bytes into the output queue and tries
 * to send it.  Returns 0, or -1 when the connection has failed. */
int	conn_send(struct conn *c, uint8_t type, const void *p, size_t len);

/* Sends what is queued without blocking.  Returns 0 or -1 (failed). */
int	conn_flush(struct conn *c);

/* Closes the socket and drops the handshake and the keys. */
void	conn_close_socket(struct conn *c);

/*
 * Bytes arrived before the handshake is done (conn_hs.c): reads S1 or S2
 * as due.  Returns 0 when the connection goes on, -1 when it cannot go
 * on yet (more bytes needed, a retry waits) or has failed.
 */
int	conn_hs_input(struct conn *c);

/*
 * Nothing can have run on this connection (a busy refusal, no greeting):
 * when --retry allows another attempt, says why ("busy: ...") and
 * schedules it after a growing wait: 1.  0 when no retry is left.
 */
int	conn_hs_retry(struct conn *c, const char *why);

/* S2 said no (or end of file came instead): says why and fails. */
void	conn_hs_refused(struct conn *c, uint8_t status);

/* Opens and handles every whole record received (conn_rec.c). */
void	conn_rec_process(struct conn *c);

/* in_fd is readable: forwards a STDIN record, or STDIN_EOF. */
void	conn_rec_stdin(struct conn *c);

/* The alive timer is due: a PING, or giving up. */
void	conn_rec_alive(struct conn *c);

#endif
