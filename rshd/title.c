/*
 * title: setproctitle(3) for -i, thread names and counts otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "title.h"

extern char **environ;

static int	one_connection;		/* set once, before any thread */
static int	last_conns = -1, last_unauth = -1;	/* main thread's */
static __thread int		 named;		/* this thread's name is */
static __thread const char	*named_for;	/* for this key id */
static __thread const char	*named_state;	/* and state */

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
	/* One system call, only when something changed: "run ops" in
	 * ps -L and top -H (the kernel keeps 15 bytes, so state first). */
	if (named && keyid == named_for && state == named_state) {
		return;
	}
	named = 1;
	named_for = keyid;
	named_state = state;
	snprintf(name, sizeof(name), "%s %s", strcmp(state, "running") == 0 ?
	    "run" : strcmp(state, "authenticating") == 0 ? "auth" : state,
	    keyid != NULL ? keyid : "-");
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
