/*
 * keyacct: one entry per account of a key; the same rules for each as
 * for the single account keys had before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "keyacct.h"

static int
shell_refuses(const char *shell)
{
	const char *base = strrchr(shell, '/');

	base = base != NULL ? base + 1 : shell;
	return strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0;
}

/*
 * The account called name (NULL: a copy of self) into *en, checked as
 * policy wants it.
 */
static int
entry_load(struct keyacct_entry *en, const char *name,
    const struct exec_account *self, int permit_root, char *why,
    size_t whylen)
{
	struct exec_account a;

	if (name == NULL) {
		if (exec_account_copy(&a, self) == -1) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
	} else if (exec_account_named(&a, name) == -1) {
		snprintf(why, whylen, "user=%s: no such account", name);
		return -1;
	} else if (a.uid == 0 && !permit_root) {
		/* Root by another name is root all the same. */
		snprintf(why, whylen, "user=%s runs commands as root, which "
		    "PermitRootCommands no forbids; name another account, or "
		    "set PermitRootCommands yes", name);
		exec_account_free(&a);
		return -1;
	} else if (geteuid() != 0 && a.uid != self->uid) {
		snprintf(why, whylen, "user=%s: rshd runs as %s and cannot "
		    "switch accounts", name, self->name);
		exec_account_free(&a);
		return -1;
	}
	en->nologin = shell_refuses(a.shell);
	en->acct = a;	/* the strings are the entry's now */
	return 0;
}

int
keyacct_load(struct keyacct *ka, char *const *names, size_t n,
    const struct exec_account *self, int permit_root, char *why,
    size_t whylen)
{
	size_t want = n > 0 ? n : 1;

	memset(ka, 0, sizeof(*ka));
	if (n == 0 && self->uid == 0 && !permit_root) {
		snprintf(why, whylen, "it has no user= option and rshd runs as "
		    "root; add user=ACCOUNT, or set PermitRootCommands yes");
		return -1;
	}
	if ((ka->v = calloc(want, sizeof(*ka->v))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (; ka->n < want; ka->n++) {
		if (entry_load(&ka->v[ka->n], n > 0 ? names[ka->n] : NULL,
		    self, permit_root, why, whylen) == -1) {
			keyacct_free(ka);
			return -1;
		}
	}
	return 0;
}

void
keyacct_free(struct keyacct *ka)
{
	for (size_t i = 0; i < ka->n; i++) {
		exec_account_free(&ka->v[i].acct);
	}
	free(ka->v);
	memset(ka, 0, sizeof(*ka));
}

const struct keyacct_entry *
keyacct_pick(const struct keyacct *ka, const char *want)
{
	if (ka->n == 0) {
		return NULL;
	}
	if (want == NULL) {
		return &ka->v[0];
	}
	for (size_t i = 0; i < ka->n; i++) {
		if (strcmp(ka->v[i].acct.name, want) == 0) {
			return &ka->v[i];
		}
	}
	return NULL;
}

void
keyacct_names(const struct keyacct *ka, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < ka->n; i++) {
		if (i > 0) {
			(void)strlcat(out, ", ", outlen);
		}
		(void)strlcat(out, ka->v[i].acct.name, outlen);
	}
}
