/*
 * keyacct: the accounts a key may run commands as, looked up in the
 * password database when the keys are loaded, and the one a request runs
 * as.  The first is the default; a request names another with ACCOUNT
 * (rsh -l NAME, PROTOCOL.md).
 */
#ifndef RSHD_KEYACCT_H
#define RSHD_KEYACCT_H

#include <stddef.h>

#include "exec.h"

struct keyacct_entry {
	struct exec_account	acct;
	int			nologin;	/* its shell refuses commands */
};

struct keyacct {
	struct keyacct_entry	*v;		/* n, in the key's order */
	size_t			 n;
};

/*
 * Looks up the accounts names[0..n) (user=) into *ka; with n 0, rshd's
 * own account self, which only PermitRootCommands (permit_root) lets a
 * root rshd use.  All or nothing: 0, or -1 with *ka empty and a sentence
 * in why naming the first account that does not exist, is root under
 * PermitRootCommands no, or is another account than self's while rshd
 * cannot switch.  Free *ka with keyacct_free.
 */
int	keyacct_load(struct keyacct *ka, char *const *names, size_t n,
	    const struct exec_account *self, int permit_root, char *why,
	    size_t whylen);

/* Frees; an empty (zeroed) *ka does nothing. */
void	keyacct_free(struct keyacct *ka);

/* The entry named want (NULL: the default, the first), or NULL when the
 * key may not run commands as want.  Borrowed from ka. */
const struct keyacct_entry *keyacct_pick(const struct keyacct *ka,
	    const char *want);

/* The names, "deploy, www-data", cut to fit out (outlen > 0). */
void	keyacct_names(const struct keyacct *ka, char *out, size_t outlen);

#endif
