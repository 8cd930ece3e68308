/*
 * title: setproctitle(3) for -i, thread names and counts otherwise.
 *
 * libbsd's setproctitle() writes the title over argv's memory and, when
 * the title is shorter than the original argv[0], a '.' where argv[0]'s
 * NUL was.  That marker is meant for a process started with no arguments,
 * where argv[0]'s NUL is the last byte of the area and a non-NUL there
 * tells the kernel the title was rewritten.  With arguments (rshd -D -p 0 ...) the marker lands in
 * the middle, the last byte stays NUL, the kernel shows the whole area
 * and ps(1) printed "rshd: 1 connection, 0 unauthenticated   ." whenever
 * rshd's path was longer than its title.  So after each update,
 * everything in the argv area behind the title is zeroed here.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "title.h"

extern char **environ;

static int	one_connection;		/* set once, before any thread */
static char	*area, *area_end;	/* argv's strings, as the kernel
					 * knows them; NULL: unknown */
static int	last_conns = -1, last_unauth = -1;	/* main thread's */
static __thread int		 named;		/* this thread's name is */
static __thread const char	*named_for;	/* for this key id */
static __thread const char	*named_state;	/* and state */

void
title_init(int argc, char **argv)
{
	char *end;

	/* Where the kernel's arg_start..arg_end lie: argv's strings, one
	 * after the other, before libbsd moves them. */
	if (argc > 0 && argv[0] != NULL) {
		end = argv[0] + strlen(argv[0]) + 1;
		for (int i = 1; i < argc && argv[i] == end; i++) {
			end = argv[i] + strlen(argv[i]) + 1;
		}
		area = argv[0];
		area_end = end;
	}
	setproctitle_init(argc, argv, environ);
}

/* setproctitle(), then nothing but NULs behind the title. */
static void __attribute__((format(printf, 1, 2)))
set_title(const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;
	size_t	len, blen;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	setproctitle("%s", buf);
	if (area == NULL) {
		return;
	}
	/* Only once the title is there: if libbsd could not take argv
	 * over, those bytes are still our arguments. */
	len = strnlen(area, (size_t)(area_end - area));
	blen = strlen(buf);
	if (len < (size_t)(area_end - area) && len >= blen &&
	    memcmp(area + len - blen, buf, blen) == 0) {
		memset(area + len, 0, (size_t)(area_end - area) - len);
	}
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
			set_title("%s@%s %s", keyid, peer, state);
		} else {
			set_title("%s %s", peer, state);
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
title_privileged(void)
{
	one_connection = 1;	/* no counts: they are the network part's */
	set_title("privileged part");
}

void
title_counts(int conns, int unauth)
{
	if (one_connection || (conns == last_conns && unauth == last_unauth)) {
		return;
	}
	last_conns = conns;
	last_unauth = unauth;
	set_title("%d connection%s, %d unauthenticated", conns,
	    conns == 1 ? "" : "s", unauth);
}
