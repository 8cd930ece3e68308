/*
 * priv: what the network part of rshd asks of its privileged part
 * (monitor.h), which alone judges and starts commands and touches their
 * processes.  Each thread talks on a channel of its own, made at its
 * first call and closed when it exits, so one thread's call never waits
 * for another's (a start that hangs holds only its own channel).  The
 * privileged part answers only about commands started on the same
 * channel.
 */
#ifndef RSHD_PRIV_H
#define RSHD_PRIV_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "handshake.h"
#include "udp.h"

#include "exec.h"
#include "privmsg.h"

/* The network part's end of the socket new channels go through. */
void	priv_init(int hello_fd);

/* The main thread, at the end: closes its channel and hello, so that
 * the privileged part, once the other threads' channels are closed too,
 * exits. */
void	priv_end(void);

/*
 * Makes the calling thread's channel now and waits until the privileged
 * part serves it: for threads that live as long as rshd, whose channels
 * are then there from the start.  0, or -1 with errno.
 */
int	priv_open(void);

/* That fd (readable or hung up once the privileged part is gone), or -1. */
int	priv_hello_fd(void);

/* An EXEC for the privileged part to judge: the payload p (len bytes,
 * over transport; over UDP with its request's token from priv_udp_open)
 * for the key with id keyid, from peer, under generation gen. */
struct priv_ask {
	unsigned long			 gen;
	const char			*keyid;
	const struct sockaddr_storage	*peer;
	int				 transport;
	const uint8_t			*token;
	const uint8_t			*p;
	size_t				 len;
};

/* Why the privileged part did not start it. */
struct priv_refusal {
	uint16_t	err;		/* ERR_* */
	int		code;		/* the exit code */
	char		msg[512];	/* a sentence */
};

/*
 * Judges a against the privileged part's own configuration of its
 * generation, and plans it.  0 with *out filled; or -1 with the refusal
 * in *no.
 */
int	priv_prepare(const struct priv_ask *a, struct priv_plan *out,
	    struct priv_refusal *no);

/*
 * priv_prepare and priv_start in one request, for a command whose start
 * need not wait for anything the network part does between them (its
 * start record: AuditRequired).  0 with *out, *c and *cgroup as theirs;
 * or -1 with the refusal in *no, and *planned 1 when *out still holds
 * the plan (judged, but it could not start).
 */
int	priv_run(const struct priv_ask *a, long long limit_ms,
	    struct priv_plan *out, int *planned, struct child *c,
	    int *cgroup, struct priv_refusal *no);

/*
 * Has the privileged part open the UDP request dgram[0..len) from peer
 * with its key's PSK under generation gen: 0 with the decrypted payload
 * in pay[0..*paylen) (cap bytes there) and the request's token, which
 * its PREPARE (priv_prepare's token) and its reply (priv_udp_seal) need;
 * the caller gives it back with one of priv_udp_seal, priv_udp_drop.
 * Else PRIV_UDP_* (privmsg.h): why to drop it.
 */
int	priv_udp_open(unsigned long gen, const struct sockaddr_storage *peer,
	    const uint8_t *dgram, size_t len, uint8_t *pay, size_t cap,
	    size_t *paylen, uint8_t token[PRIV_TOKENLEN]);

/*
 * The reply rep to the request of token, sealed by the privileged part
 * into out[0..cap): its length, or -1.  The token is used up.
 */
long	priv_udp_seal(const uint8_t token[PRIV_TOKENLEN],
	    const struct udp_reply *rep, uint8_t *out, size_t cap);

/* The request of token will not run: its token is let go. */
void	priv_udp_drop(const uint8_t token[PRIV_TOKENLEN]);

/* What the privileged part made of a TCP handshake. */
struct priv_auth_res {
	uint8_t		status;		/* S2's: HS_OK ... HS_BAD_NAME */
	int		why;		/* PRIV_AUTH_* (privmsg.h) */
	uint8_t		s2[HS_S2LEN];
	long		s2len;		/* -1: send none, close */
	struct hs_keys	keys;		/* status HS_OK: the session keys */
};

/*
 * Has the privileged part judge the handshake S1, C1 (c1len bytes, as
 * hs_server_read_c1 took them) of a client at peer, on a socket whose
 * local address is named localname, against its configuration of
 * generation gen; dh is the X25519 shared secret (hs_server_dh), NULL
 * when it was all zero.  On status HS_OK the channel is bound to the
 * proven key id: later PREPAREs over TCP must name it.  0 with *out
 * filled (the caller wipes it), or -1 when the privileged part cannot
 * answer (it said why in its log).
 */
/*
 * Before S1: opens the thread's channel and gets the nonce Ns that S1
 * must carry (the privileged part draws it, so that a recorded handshake
 * cannot be replayed through priv_auth).  A spare channel (privspare),
 * whose nonce was drawn ahead, saves the round trip.  0, or -1 with
 * errno (EMFILE, EAGAIN...: rshd is out of resources; refuse the
 * connection).
 */
int	priv_hello(uint8_t ns[HS_NONCELEN]);

/*
 * For privspare: a new channel handed over to the privileged part (its
 * fd, owned by the caller, or -1 with errno), and a HELLO on such a
 * channel that no thread has adopted yet (0, or -1 with errno).
 */
int	priv_channel_new(void);
int	priv_hello_on(int fd, uint8_t ns[HS_NONCELEN]);

int	priv_auth(unsigned long gen, const struct sockaddr_storage *peer,
	    const char *localname, const uint8_t s1[HS_S1LEN],
	    const uint8_t *c1, size_t c1len, const uint8_t *dh,
	    struct priv_auth_res *out);

/*
 * Starts what priv_prepare planned, as exec_spawn() does (limit_ms the
 * start's time limit): 0 with *c filled (its fds ours), *cgroup 1 when it
 * has a cgroup of its own; or -1 with *code and msg.
 */
int	priv_start(long long limit_ms, struct child *c, int *cgroup,
	    char *msg, size_t msglen, int *code);

/*
 * As exec_reap().  With done set, the caller will not signal it or ask
 * about it again once it has exited: the privileged part then lets it go
 * as priv_close does, after its answer, and c's pidfd is closed here (a
 * priv_close after that sends nothing).
 */
int	priv_reap(struct child *c, int *how, int *code, int done);

/* sig to c's group, and with PRIV_SIG_* flags to more (privmsg.h). */
void	priv_signal(const struct child *c, int sig, int flags);

/* As pgroup_holders(), pgroup_signal_holder() for c's group. */
int	priv_holders(const struct child *c, ino_t ino, pid_t *out, int max);
void	priv_signal_holder(const struct child *c, pid_t pid, ino_t ino,
	    int sig);

/* As pgroup_has_runner() (session: pgroup_session_has_runner()). */
int	priv_has_runner(const struct child *c, long long since_ms,
	    int session);

/* As cgroup_cmd_populated() for c's cgroup. */
int	priv_populated(const struct child *c);

/* As exec_close(): the privileged part reaps c and removes its cgroup. */
void	priv_close(struct child *c);

/* As exec_starting(). */
unsigned int	priv_starting(void);

/* The privileged part writes its own port file (--port-file) with
 * port: 0, or -1 with a sentence in err. */
int	priv_port_file(int port, char *err, size_t errlen);

/* The privileged part (re)opens its own AuditLog: an fd, or -1 with
 * errno (audit_set_opener's opener). */
int	priv_audit_open(const char *path);

/* The privileged part loads the files as generation gen: a memfd of
 * what it hands over for the network part's snapshot (snapmat.h), or -1
 * with a sentence in err. */
int	priv_reload(unsigned long gen, char *err, size_t errlen);

/* Generation gen is no one's any more (its last snapshot_put). */
void	priv_forget(unsigned long gen);

#endif
