/*
 * request: an authenticated EXEC, from checks to a started job.
 */
#include <string.h>

#include "log.h"
#include "wire.h"

#include "audit.h"
#include "exec.h"
#include "job.h"
#include "policy.h"
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
    const struct wire_exec *e, char *what, size_t whatlen)
{
	struct policy_decision	 dec;
	struct exec_plan	*plan;
	char			 msg[512];
	int			 code, rc;
	const char		*arg0 = e->argc > 0 ? e->argv[0] :
				    "a login shell";

	(void)log_vis(what, whatlen, arg0, strlen(arg0));
	if ((e->flags & EXEC_FLAG_SHELL) && e->argc != 1) {
		return job_refuse(j, ERR_BAD_REQUEST,
		    "SHELL takes exactly one ARG", 255);
	}
	if (policy_exec(snap->policy, key, e, peer, &dec, msg,
	    sizeof(msg)) == -1) {
		return job_refuse(j, ERR_DENIED, msg, 255);
	}
	audit_rec_account(job_audit(j), dec.grant.acct->name);
	if (dec.grant.forced != NULL) {
		audit_rec_forced(job_audit(j), dec.grant.forced);
	}
	plan = exec_plan_new(e, &dec.grant, msg, sizeof(msg), &code);
	policy_decision_free(&dec);
	if (plan == NULL) {
		return job_refuse(j, ERR_EXEC_FAILED, msg, code);
	}
	audit_rec_cwd(job_audit(j), exec_plan_cwd(plan));
	rc = job_start(j, plan);
	exec_plan_free(plan);
	return rc;
}
