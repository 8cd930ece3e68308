/*
 * plan: a decoded EXEC and an account turned into path, argv, envp and
 * directory; and the account rshd runs as.
 */
#include <sys/stat.h>

#include <errno.h>
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

static const char *
search_path(const struct exec_grant *g)
{
	if (g->path != NULL) {
		return g->path;
	}
	return g->acct->uid == 0 ? root_path : default_path;
}

/* From scratch: PATH, HOME, USER, LOGNAME, SHELL from the account, then
 * what policy granted (RSH_* and the accepted client variables). */
static int
plan_env(struct exec_plan *p, const struct exec_grant *g)
{
	const struct exec_account	*a = g->acct;
	size_t				 n = 0;

	p->envp = calloc(g->envc + 6, sizeof(char *));
	if (p->envp == NULL) {
		return -1;
	}
	if ((p->envp[n++] = env_entry("PATH", search_path(g))) == NULL ||
	    (p->envp[n++] = env_entry("HOME", a->home)) == NULL ||
	    (p->envp[n++] = env_entry("USER", a->name)) == NULL ||
	    (p->envp[n++] = env_entry("LOGNAME", a->name)) == NULL ||
	    (p->envp[n++] = env_entry("SHELL", a->shell)) == NULL) {
		return -1;
	}
	for (size_t i = 0; i < g->envc; i++) {
		if ((p->envp[n++] = strdup(g->env[i])) == NULL) {
			return -1;
		}
	}
	return 0;
}

/*
 * PTY without ARG: the account's shell as a login shell, its argv[0] the
 * shell's name after a '-' (what login(1) and sshd do).
 */
static int
plan_login(struct exec_plan *p, const struct exec_account *a)
{
	const char *base = strrchr(a->shell, '/');

	if ((p->argv = calloc(2, sizeof(char *))) == NULL ||
	    asprintf(&p->login, "-%s", base != NULL ? base + 1 :
	    a->shell) == -1) {
		p->login = NULL;
		return -1;
	}
	p->argv[0] = p->login;
	p->path = a->shell;
	return 0;
}

/* An owned copy of argv (argc words): the array, then the strings. */
static char **
copy_argv(char *const *argv, size_t argc)
{
	size_t	 bytes = (argc + 1) * sizeof(char *), n;
	char	**v, *s;

	for (size_t i = 0; i < argc; i++) {
		bytes += strlen(argv[i]) + 1;
	}
	if ((v = malloc(bytes)) == NULL) {
		return NULL;
	}
	s = (char *)(v + argc + 1);
	for (size_t i = 0; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		v[i] = memcpy(s, argv[i], n);
		s += n;
	}
	v[argc] = NULL;
	return v;
}

/*
 * An argument vector, no shell: argv[0] with a '/' is run as it is,
 * without one it is looked up in PATH, which only rshd sets.
 */
static int
plan_vector(struct exec_plan *p, char **argv, const struct exec_grant *g,
    char *msg, size_t msglen, int *code)
{
	p->argv = argv;
	if (strchr(argv[0], '/') != NULL) {
		p->path = argv[0];
		return 0;
	}
	p->resolved = resolve_path(argv[0], search_path(g));
	if (p->resolved == NULL) {
		snprintf(msg, msglen, "%s: command not found", argv[0]);
		*code = 127;
		return -1;
	}
	p->path = p->resolved;
	return 0;
}

static int
plan_argv(struct exec_plan *p, const struct wire_exec *e,
    const struct exec_grant *g, char *msg, size_t msglen, int *code)
{
	const struct exec_account	*a = g->acct;
	char				**v;

	if (g->argv != NULL) {
		/* Exactly what policy matched; its strings die with it. */
		if (g->argc == 0 || (v = copy_argv(g->argv, g->argc)) == NULL) {
			goto nomem;
		}
		return plan_vector(p, v, g, msg, msglen, code);
	}
	if (e->argc == 0 && g->forced == NULL) {
		if (plan_login(p, a) == -1) {
			goto nomem;
		}
		return 0;
	}
	if (g->forced != NULL ||
	    (e->has_flags && (e->flags & EXEC_FLAG_SHELL))) {
		const char *base = strrchr(a->shell, '/');

		if ((p->argv = calloc(4, sizeof(char *))) == NULL) {
			goto nomem;
		}
		p->argv[0] = (char *)(base != NULL ? base + 1 : a->shell);
		p->argv[1] = (char *)"-c";
		/* Borrowed, like e's strings: both outlive the plan. */
		p->argv[2] = (char *)(g->forced != NULL ? g->forced :
		    e->argv[0]);
		p->path = a->shell;
		return 0;
	}
	if ((v = calloc(e->argc + 1, sizeof(char *))) == NULL) {
		goto nomem;
	}
	memcpy(v, e->argv, e->argc * sizeof(char *));
	return plan_vector(p, v, g, msg, msglen, code);
nomem:
	snprintf(msg, msglen, "out of memory");
	*code = 255;
	return -1;
}

/*
 * The client's directory, else the account's home; a home that does not
 * exist (nobody's /nonexistent) gives "/" and a warning on the command's
 * stderr, as sshd does.  A client's directory that does not exist is the
 * child's chdir error, as it always was.
 */
static int
plan_cwd(struct exec_plan *p, const struct wire_exec *e,
    const struct exec_account *a)
{
	struct stat st;

	if (e->cwd != NULL) {
		p->cwd = e->cwd;
		return 0;
	}
	p->cwd = a->home;
	if (stat(a->home, &st) == 0 || (errno != ENOENT && errno != ENOTDIR)) {
		return 0;
	}
	if (asprintf(&p->warn, "rshd: cannot change to home directory %s: "
	    "%s; the command runs in /\n", a->home, strerror(errno)) == -1) {
		p->warn = NULL;
		return -1;
	}
	p->warnlen = strlen(p->warn);
	p->cwd = "/";
	return 0;
}

/* The terminal as sshd sets it up: the account's, group tty, 0620. */
static void
plan_tty(struct exec_plan *p, const struct wire_exec *e,
    const struct exec_account *a)
{
	struct group	 gr, *res = NULL;
	char		 buf[4096];

	p->pty = 1;
	if (e->has_pty_size) {
		p->rows = e->rows;
		p->cols = e->cols;
	}
	if (getgrnam_r("tty", &gr, buf, sizeof(buf), &res) == 0 &&
	    res != NULL) {
		p->tty_gid = gr.gr_gid;
		p->tty_mode = 0620;
	} else {
		p->tty_gid = a->gid;
		p->tty_mode = 0600;
	}
}

struct exec_plan *
exec_plan_new(const struct wire_exec *e, const struct exec_grant *g,
    char *msg, size_t msglen, int *code)
{
	const struct exec_account	*a = g->acct;
	struct exec_plan		*p;

	*code = 255;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	if (plan_argv(p, e, g, msg, msglen, code) == -1) {
		goto fail;
	}
	if (plan_env(p, g) == -1) {
		snprintf(msg, msglen, "out of memory");
		goto fail;
	}
	if (plan_cwd(p, e, a) == -1) {
		snprintf(msg, msglen, "out of memory");
		goto fail;
	}
	p->no_stdin = e->has_flags && (e->flags & EXEC_FLAG_NO_STDIN);
	if (e->has_flags && (e->flags & EXEC_FLAG_PTY)) {
		plan_tty(p, e, a);
	}
	p->uid = a->uid;
	p->gid = a->gid;
	p->change_ids = a->uid != geteuid() || a->gid != getegid();
	memcpy(p->limits, g->limits, sizeof(p->limits));
	p->nlimits = g->nlimits;
	p->no_new_privs = g->no_new_privs;
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
	free(p->login);
	free(p->resolved);
	free(p->warn);
	free(p);
}

const char *
exec_plan_cwd(const struct exec_plan *p)
{
	return p->cwd;
}

/* The account of pw, copied into a. */
static int
account_from(struct exec_account *a, const struct passwd *pw)
{
	a->uid = pw->pw_uid;
	a->gid = pw->pw_gid;
	a->name = strdup(pw->pw_name);
	a->home = strdup(pw->pw_dir != NULL && *pw->pw_dir != '\0' ?
	    pw->pw_dir : "/");
	a->shell = strdup(pw->pw_shell != NULL && *pw->pw_shell != '\0' ?
	    pw->pw_shell : "/bin/sh");
	if (a->name == NULL || a->home == NULL || a->shell == NULL) {
		exec_account_free(a);
		return -1;
	}
	return 0;
}

int
exec_account_named(struct exec_account *a, const char *name)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[4096];

	memset(a, 0, sizeof(*a));
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL) {
		return -1;
	}
	return account_from(a, &pw);
}

int
exec_account_copy(struct exec_account *to, const struct exec_account *from)
{
	struct passwd pw;

	memset(&pw, 0, sizeof(pw));
	pw.pw_uid = from->uid;
	pw.pw_gid = from->gid;
	pw.pw_name = from->name;
	pw.pw_dir = from->home;
	pw.pw_shell = from->shell;
	memset(to, 0, sizeof(*to));
	return account_from(to, &pw);
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
	return account_from(a, &pw);
}


void
exec_account_free(struct exec_account *a)
{
	free(a->name);
	free(a->home);
	free(a->shell);
	memset(a, 0, sizeof(*a));
}
