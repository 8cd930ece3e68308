/*
 * privmsg: what the network part and the privileged part say to each
 * other (priv.c and monitor.c, nothing else).  One request, one answer,
 * on a SOCK_SEQPACKET channel of the calling thread's own; both are
 * fixed-size structs but for a request's payload (an EXEC payload, at
 * most WIRE_MAXPAYLOAD bytes), and the receiver checks every size and
 * field before use.  The fds of a started command come with the answer
 * to PRIV_START, by SCM_RIGHTS.
 */
#ifndef RSHD_PRIVMSG_H
#define RSHD_PRIVMSG_H

#include <sys/socket.h>

#include <stdint.h>

#include "keys.h"
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
	PRIV_FORGET		/* no one uses generation gen any more */
};

/* PRIV_SIGNAL's flags: besides the group, */
#define PRIV_SIG_SESSION	0x1	/* the terminal's whole session */
#define PRIV_SIG_CGROUP		0x2	/* everything in its cgroup (KILL) */

/* PRIV_HAS_RUNNER's flag: look at the session, not the group. */
#define PRIV_RUN_SESSION	0x1

#define PRIV_MAXHOLDERS	64
#define PRIV_TEXTMAX	512

/* Which fds came with PRIV_START's answer, in this order. */
#define PRIV_FD_PIDFD	0x1
#define PRIV_FD_IN	0x2
#define PRIV_FD_OUT	0x4
#define PRIV_FD_ERR	0x8

struct priv_req {
	uint32_t		op;
	int32_t			pid;		/* the command asked about */
	int32_t			sig;
	int32_t			flags;
	int64_t			arg;		/* START: time limit (ms);
						 * HAS_RUNNER: since (ms);
						 * HOLDERS: stdin's inode;
						 * SIGNAL_HOLDER: its pid */
	int64_t			arg2;		/* SIGNAL_HOLDER: the inode */
	uint64_t		gen;		/* PREPARE, RELOAD, FORGET */
	int32_t			transport;	/* PREPARE: WIRE_TCP, WIRE_UDP */
	uint32_t		paylen;		/* bytes after this struct */
	struct sockaddr_storage	peer;		/* PREPARE */
	char			keyid[KEYS_MAXIDLEN + 1];
};

#define PRIV_REQMAX	(sizeof(struct priv_req) + WIRE_MAXPAYLOAD)

struct priv_rep {
	int32_t		rc;		/* 0, 1 (REAP: exited), -1 */
	int32_t		code;		/* refused: the exit code; REAP: it */
	int32_t		how;		/* REAP: EXIT_HOW_* */
	uint32_t	err;		/* refused: the ERROR code */
	int32_t		pid;		/* START */
	int32_t		pty;		/* START: on a terminal */
	int32_t		cgroup;		/* START: in a cgroup of its own */
	uint32_t	fds;		/* START: PRIV_FD_* that came */
	int32_t		n;		/* HOLDERS, STARTING */
	int32_t		pids[PRIV_MAXHOLDERS];
	char		msg[PRIV_TEXTMAX];	/* why it failed */
	/* PREPARE, for the audit record: */
	char		account[256];
	char		cwd[4096];
	char		forced[4096];	/* the key's command=, or "" */
};

#endif
