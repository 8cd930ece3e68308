/*
 * plan: a decoded EXEC and an account turned into path, argv, envp and
 * directory; and the account rshd runs as.
 */
#include <sys/stat.h>

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

#include "exec.h"
#include "plan.h"

static const char default_path[] = "/usr/local/bin:/usr/bin:/bin";
static const char root_path[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* Looks name up in search, like execvp, but in the parent. */
static char *
resolve_path(const char *name, const char *search)
{
	char		 candidate[PATH_MAX];
	const char	*p = search, *colon;
	struct stat	 st;

	while (*p != '\0') {
		size_t n;

		colon = strchr(p, ':');
		n = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)n,
		    p, name) < (int)sizeof(candidate) &&
		    stat(candidate, &st) == 0 && S_ISREG(st.st_mode)) {
			return strdup(candidate);
		}
		p += n + (colon != NULL);
	}
	return NULL;
}

static char *
env_entry(const char *name, const char *value)
{
	char *s;

	if (asprintf(&s, "%s=%s", name, value) == -1) {
		return NULL;
	}
	return s;
}

/* PATH, HOME, USER, LOGNAME, SHELL from the account, then e->env. */
static int
plan_env(struct exec_plan *p, const struct wire_exec *e,
    const struct exec_account *a)
{
	size_t n = 0;

	p->envp = calloc(e->envc + 6, sizeof(char *));
	if (p->envp == NULL) {
		return -1;
	}
	if ((p->envp[n++] = env_entry("PATH",
	    a->uid == 0 ? root_path : default_path)) == NULL ||
	    (p->envp[n++] = env_entry("HOME", a->home)) == NULL ||
	    (p->envp[n++] = env_entry("USER", a->name)) == NULL ||
	    (p->envp[n++] = env_entry("LOGNAME", a->name)) == NULL ||
	    (p->envp[n++] = env_entry("SHELL", a->shell)) == NULL) {
		return -1;
	}
	for (size_t i = 0; i < e->envc; i++) {
		if ((p->envp[n++] = strdup(e->env[i])) == NULL) {
			return -1;
		}
	}
	return 0;
}

static int
plan_argv(struct exec_plan *p, const struct wire_exec *e,
    const struct exec_account *a, char *msg, size_t msglen, int *code)
{
	if (e->has_flags && (e->flags & EXEC_FLAG_SHELL)) {
		const char *base = strrchr(a->shell, '/');

		if ((p->argv = calloc(4, sizeof(char *))) == NULL) {
			goto nomem;
		}
		p->argv[0] = (char *)(base != NULL ? base + 1 : a->shell);
		p->argv[1] = (char *)"-c";
		p->argv[2] = e->argv[0];
		p->path = a->shell;
		return 0;
	}
	if ((p->argv = calloc(e->argc + 1, sizeof(char *))) == NULL) {
		goto nomem;
	}
	memcpy(p->argv, e->argv, e->argc * sizeof(char *));
	if (strchr(e->argv[0], '/') != NULL) {
		p->path = e->argv[0];
		return 0;
	}
	p->resolved = resolve_path(e->argv[0],
	    a->uid == 0 ? root_path : default_path);
	if (p->resolved == NULL) {
		snprintf(msg, msglen, "%s: command not found", e->argv[0]);
		*code = 127;
		return -1;
	}
	p->path = p->resolved;
	return 0;
nomem:
	snprintf(msg, msglen, "out of memory");
	*code = 255;
	return -1;
}

struct exec_plan *
exec_plan_new(const struct wire_exec *e, const struct exec_account *a,
    char *msg, size_t msglen, int *code)
{
	struct exec_plan *p;

	*code = 255;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	if (plan_argv(p, e, a, msg, msglen, code) == -1) {
		goto fail;
	}
	if (plan_env(p, e, a) == -1) {
		snprintf(msg, msglen, "out of memory");
		goto fail;
	}
	p->cwd = e->cwd != NULL ? e->cwd : a->home;
	p->no_stdin = e->has_flags && (e->flags & EXEC_FLAG_NO_STDIN);
	p->uid = a->uid;
	p->gid = a->gid;
	p->change_ids = a->uid != geteuid() || a->gid != getegid();
	if (p->change_ids) {
		p->ngroups = EXEC_MAXGROUPS;
		if (getgrouplist(a->name, a->gid, p->groups,
		    &p->ngroups) == -1) {
			snprintf(msg, msglen, "account %s is in too many groups",
			    a->name);
			goto fail;
		}
	}
	return p;
fail:
	exec_plan_free(p);
	return NULL;
}

void
exec_plan_free(struct exec_plan *p)
{
	if (p == NULL) {
		return;
	}
	if (p->envp != NULL) {
		for (size_t i = 0; p->envp[i] != NULL; i++) {
			free(p->envp[i]);
		}
	}
	free(p->envp);
	free(p->argv);
	free(p->resolved);
	free(p);
}

int
exec_account_self(struct exec_account *a)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[4096];

	memset(a, 0, sizeof(*a));
	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL) {
		return -1;
	}
	a->uid = pw.pw_uid;
	a->gid = pw.pw_gid;
	a->name = strdup(pw.pw_name);
	a->home = strdup(pw.pw_dir != NULL && *pw.pw_dir != '\0' ?
	    pw.pw_dir : "/");
	a->shell = strdup(pw.pw_shell != NULL && *pw.pw_shell != '\0' ?
	    pw.pw_shell : "/bin/sh");
	if (a->name == NULL || a->home == NULL || a->shell == NULL) {
		exec_account_free(a);
		return -1;
	}
	return 0;
}

void
exec_account_free(struct exec_account *a)
{
	free(a->name);
	free(a->home);
	free(a->shell);
	memset(a, 0, sizeof(*a));
}
