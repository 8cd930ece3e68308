/*
 * privmsg: what the network part and the privileged part say to each
 * other (priv.c and monitor.c, nothing else).  One request, one answer,
 * on a SOCK_SEQPACKET channel of the calling thread's own; both are
 * fixed-size structs but for a request's payload (an EXEC payload, at
 * most WIRE_MAXPAYLOAD bytes), and the receiver checks every size and
 * field before use.  The fds of a started command come with the answer
 * to PRIV_START or PRIV_RUN, by SCM_RIGHTS.
 */
#ifndef RSHD_PRIVMSG_H
#define RSHD_PRIVMSG_H

#include <sys/socket.h>

#include <stdint.h>

#include "crypto.h"
#include "handshake.h"
#include "keys.h"
#include "netio.h"
#include "udp.h"
#include "wire.h"

enum priv_op {
	PRIV_PREPARE = 1,	/* judge an EXEC: policy and plan */
	PRIV_START,		/* start what PREPARE planned */
	PRIV_REAP,		/* has the leader exited? */
	PRIV_SIGNAL,		/* signal the command's group */
	PRIV_HOLDERS,		/* who still holds its stdin */
	PRIV_SIGNAL_HOLDER,	/* signal one of those */
	PRIV_HAS_RUNNER,	/* is anything left in its group */
	PRIV_POPULATED,		/* is anything left in its cgroup */
	PRIV_CLOSE,		/* reap it and forget it */
	PRIV_STARTING,		/* how many starts are under way */
	PRIV_RELOAD,		/* load the files as generation gen */
	PRIV_FORGET,		/* no one uses generation gen any more */
	PRIV_AUTH,		/* a TCP handshake's Tc, S2 and keys */
	PRIV_UDP_OPEN,		/* a UDP request's tag and payload */
	PRIV_UDP_SEAL,		/* its reply, sealed */
	PRIV_UDP_DROP,		/* a request opened that will not run */
	PRIV_HELLO,		/* before S1: the nonce Ns it must carry */
	PRIV_PORT_FILE,		/* write the port file: port arg */
	PRIV_AUDIT_OPEN,	/* (re)open the audit log, fd back */
	PRIV_RUN		/* PREPARE and START in one: when nothing
				 * need be written down between them */
};
#define PRIV_LASTOP	PRIV_RUN

/* What binds a UDP request's PREPARE and reply to the key that opened
 * it (monitor_udp.h). */
#define PRIV_TOKENLEN	16

/* Why PRIV_UDP_OPEN failed, in the answer's why: the receiver counts
 * the drop by it. */
enum priv_udp_why {
	PRIV_UDP_UNKNOWN = 1,	/* unknown or skipped key */
	PRIV_UDP_BADTAG,	/* the tag does not verify */
	PRIV_UDP_FULL		/* too many requests open */
};

/* PRIV_UDP_SEAL's payload: this, then olen bytes of stdout and elen of
 * stderr, fitted to the reply's limit by the network part. */
struct priv_seal {
	uint8_t		how, code, flags, pad;
	uint32_t	olen, elen;
};

/* PRIV_SIGNAL's flags: besides the group, */
#define PRIV_SIG_SESSION	0x1	/* the terminal's whole session */
#define PRIV_SIG_CGROUP		0x2	/* everything in its cgroup (KILL) */

/* PRIV_REAP's flag: once it has exited, the command is done with (as
 * CLOSE), after the answer; the network part knows that nothing will
 * be signalled or looked for any more. */
#define PRIV_REAP_CLOSE		0x1

/* PRIV_HAS_RUNNER's flag: look at the session, not the group. */
#define PRIV_RUN_SESSION	0x1

#define PRIV_MAXHOLDERS	64
#define PRIV_TEXTMAX	512

/* Which fds came with PRIV_START's (RUN's) answer, in this order. */
#define PRIV_FD_PIDFD	0x1
#define PRIV_FD_IN	0x2
#define PRIV_FD_OUT	0x4
#define PRIV_FD_ERR	0x8

/* PRIV_PREPARE's (RUN's) answer, for the audit record: the bytes after the
 * answer, not in it, so that the answer a thread keeps on its stack for
 * every call stays small (each channel has a thread on both sides). */
struct priv_plan {
	char	account[256];
	char	cwd[4096];
	char	forced[4096];	/* the key's command=, or "" */
};

/* PRIV_AUTH's payload: the handshake as the network part saw it. */
struct priv_auth {
	uint8_t		s1[HS_S1LEN];
	uint8_t		c1[HS_C1MAX];
	uint32_t	c1len;
	uint8_t		dh[CRYPTO_KEYLEN];	/* X25519(own key, Pc) */
	int32_t		dh_ok;			/* 0: an all-zero result */
	char		local[NETIO_NAMEMAX];	/* the socket's local name */
};

/* Why PRIV_AUTH's status is what it is, for the network part's log,
 * audit and penalty. */
enum priv_auth_why {
	PRIV_AUTH_OK = 0,
	PRIV_AUTH_UNKNOWN,	/* unknown key id (status 1) */
	PRIV_AUTH_MAC,		/* wrong MAC (1) */
	PRIV_AUTH_SKIPPED,	/* key skipped for its options (1) */
	PRIV_AUTH_ADDRESS,	/* from= (2) */
	PRIV_AUTH_NAME		/* a server name not answered to (3) */
};

struct priv_req {
	uint32_t		op;
	int32_t			pid;		/* the command asked about */
	int32_t			sig;
	int32_t			flags;
	int64_t			arg;		/* START, RUN: time limit
						 * (ms);
						 * HAS_RUNNER: since (ms);
						 * HOLDERS: stdin's inode;
						 * SIGNAL_HOLDER: its pid */
	int64_t			arg2;		/* SIGNAL_HOLDER: the inode */
	uint64_t		gen;		/* PREPARE, RUN, RELOAD,
						 * FORGET */
	int32_t			transport;	/* PREPARE, RUN: WIRE_TCP,
						 * WIRE_UDP */
	uint32_t		paylen;		/* bytes after this struct */
	struct sockaddr_storage	peer;		/* PREPARE, RUN */
	char			keyid[KEYS_MAXIDLEN + 1];
	uint8_t			token[PRIV_TOKENLEN];	/* PREPARE over UDP,
							 * SEAL, DROP */
};

/* A payload is an EXEC payload, a datagram or a reply's streams. */
#define PRIV_PAYMAX	WIRE_MAXPAYLOAD
_Static_assert(PRIV_PAYMAX >= 65536 && PRIV_PAYMAX >= UDP_MAXV6,
    "a datagram or a reply does not fit a request");
#define PRIV_REQMAX	(sizeof(struct priv_req) + PRIV_PAYMAX)

struct priv_rep {
	int32_t		rc;		/* 0, 1 (REAP: exited), -1 */
	int32_t		code;		/* refused: the exit code; REAP: it */
	int32_t		how;		/* REAP: EXIT_HOW_* */
	uint64_t	cpu_us;		/* REAP, exited: its usage */
	uint64_t	maxrss_kib;
	uint32_t	err;		/* refused: the ERROR code */
	int32_t		pid;		/* START, RUN */
	int32_t		pty;		/* START, RUN: on a terminal */
	int32_t		cgroup;		/* START, RUN: in a cgroup of its
					 * own */
	uint32_t	fds;		/* START, RUN: PRIV_FD_* that came */
	int32_t		n;		/* HOLDERS, STARTING */
	int32_t		pids[PRIV_MAXHOLDERS];
	char		msg[PRIV_TEXTMAX];	/* why it failed */
	/* AUTH: S2's status, why, S2 (s2len bytes, -1: none, close) and,
	 * for status 0, the session keys (wiped on both sides after use). */
	int32_t		status;
	int32_t		why;
	int32_t		s2len;
	uint8_t		s2[HS_S2LEN];
	struct hs_keys	keys;
	/* UDP_OPEN: the request's token; UDP_OPEN, UDP_SEAL: the bytes
	 * (payload, sealed reply) that follow this struct. */
	uint8_t		token[PRIV_TOKENLEN];
	uint32_t	paylen;
	/* HELLO: S1's nonce, drawn here; AUTH takes only an S1 with it. */
	uint8_t		ns[HS_NONCELEN];
};

#endif
