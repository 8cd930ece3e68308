/*
 * request: an authenticated EXEC, from checks to a started job.
 */
#include <string.h>

#include "log.h"
#include "wire.h"

#include "audit.h"
#include "exec.h"
#include "job.h"
#include "priv.h"
#include "request.h"

void
request_limits(const struct snapshot *snap, const struct wire_exec *e,
    long long cap_ms, struct job_limits *lim)
{
	long long	t = e != NULL && e->has_timeout ? e->timeout_ms : 0;
	long long	max = snap->conf.max_timeout_ms;

	if (max > 0 && (t == 0 || t > max)) {
		t = max;
	}
	if (cap_ms > 0 && (t == 0 || t > cap_ms)) {
		t = cap_ms;
	}
	memset(lim, 0, sizeof(*lim));
	lim->stdin_window = snap->conf.stdin_window;
	lim->drain_grace_ms = snap->conf.drain_grace_ms;
	lim->kill_grace_ms = snap->conf.kill_grace_ms;
	lim->time_limit_ms = t;
	lim->audit_required = snap->conf.audit_required;
}

int
request_start(const struct snapshot *snap, const struct key *key,
    const struct sockaddr_storage *peer, struct job *j,
    const struct wire_exec *e, const uint8_t *p, size_t len, int transport,
    const uint8_t *token, char *what, size_t whatlen)
{
	struct priv_ask		ask = { snap->gen, key->id, peer, transport,
				    token, p, len };
	const char		*arg0 = e->argc > 0 ? e->argv[0] :
				    "a login shell";

	(void)log_vis(what, whatlen, arg0, strlen(arg0));
	if ((e->flags & EXEC_FLAG_SHELL) && e->argc != 1) {
		return job_refuse(j, ERR_BAD_REQUEST,
		    "SHELL takes exactly one ARG", 255);
	}
	/* The privileged part judges the request as it was received, by
	 * the key's id, against the configuration of this generation. */
	return job_run(j, &ask);
}
