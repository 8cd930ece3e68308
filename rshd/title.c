/*
 * title: setproctitle(3) for -i, thread names and counts otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "title.h"

extern char **environ;

static int	one_connection;		/* set once, before any thread */
static int	last_conns = -1, last_unauth = -1;	/* main thread's */
static __thread int		 named;		/* this thread's name is */
static __thread const char	*named_for;	/* for this key id */

void
title_init(int argc, char **argv)
{
	setproctitle_init(argc, argv, environ);
}

void
title_one_connection(void)
{
	one_connection = 1;
}

void
title_session(const char *keyid, const char *peer, const char *state)
{
	char name[16];

	if (one_connection) {
		if (keyid != NULL) {
			setproctitle("%s@%s %s", keyid, peer, state);
		} else {
			setproctitle("%s %s", peer, state);
		}
		return;
	}
	/* A system call: only when the key changes, not per command. */
	if (named && keyid == named_for) {
		return;
	}
	named = 1;
	named_for = keyid;
	snprintf(name, sizeof(name), "rshd %s", keyid != NULL ? keyid : "-");
	(void)pthread_setname_np(pthread_self(), name);
}

void
title_counts(int conns, int unauth)
{
	if (one_connection || (conns == last_conns && unauth == last_unauth)) {
		return;
	}
	last_conns = conns;
	last_unauth = unauth;
	setproctitle("%d connection%s, %d unauthenticated", conns,
	    conns == 1 ? "" : "s", unauth);
}
