/*
 * request: what every transport does with a decoded EXEC once its peer is
 * authenticated: the last checks, policy, the plan, and the job's start.
 * So TCP and UDP refuse and run commands the same way.
 */
#ifndef RSHD_REQUEST_H
#define RSHD_REQUEST_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "wire.h"

#include "job.h"
#include "snapshot.h"

/*
 * The limits of a job for e: the daemon's grace periods, the stdin
 * window, and the time limit, which is the client's TIMEOUT (none when e
 * is NULL) capped by MaxCommandTime and by cap_ms (0: no cap of the
 * transport's own).
 */
void	request_limits(const struct snapshot *snap, const struct wire_exec *e,
	    long long cap_ms, struct job_limits *lim);

/*
 * Runs e (decoded from p, len bytes received over transport) for key,
 * from peer, on j (new, not started): the SHELL rule, then the
 * privileged part's judgement of p (policy and plan), the audit start
 * record and the spawn.  Whatever stops it is
 * reported through j's sink (ERROR, then EXIT(2, code)).  what gets
 * argv[0], escaped, for logs.  Returns what the sink returned.
 */
int	request_start(const struct snapshot *snap, const struct key *key,
	    const struct sockaddr_storage *peer, struct job *j,
	    const struct wire_exec *e, const uint8_t *p, size_t len,
	    int transport, char *what, size_t whatlen);

#endif
