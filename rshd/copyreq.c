/*
 * copyreq: who may copy.  A key that may run anything may copy anything
 * its account can reach, unless it says no-copy; a key restricted to a
 * command (command=, allow=) may copy only within its copy= trees, so
 * that adding rcp to a server opens nothing a restricted key did not
 * have.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "copyreq.h"

int
copyreq_is(const struct wire_exec *e)
{
	return e->argc >= 1 && !(e->has_flags &&
	    (e->flags & EXEC_FLAG_SHELL)) && strcmp(e->argv[0],
	    "rsh-copy") == 0;
}

int
copyreq_judge(const struct keyopts *o, const char *keyid,
    const struct wire_exec *e, char *msg, size_t msglen)
{
	int restricted = o->command != NULL || o->nallow > 0;

	if (o->no_copy) {
		snprintf(msg, msglen, "key '%s' may not copy files (its "
		    "no-copy option)", keyid);
		return -1;
	}
	if (restricted && o->ncopy == 0) {
		snprintf(msg, msglen, "key '%s' may not copy files: it may run "
		    "only its %s (a copy=\"DIR\" option would allow copies "
		    "within DIR)", keyid, o->command != NULL ? "command= "
		    "command" : "allow= commands");
		return -1;
	}
	if (e->has_flags && (e->flags & EXEC_FLAG_PTY)) {
		snprintf(msg, msglen, "a copy takes no terminal");
		return -1;
	}
	if (e->cwd != NULL && (restricted || o->ncopy > 0)) {
		snprintf(msg, msglen, "key '%s' may not choose the working "
		    "directory of a copy (its copy= option)", keyid);
		return -1;
	}
	return 0;
}

char **
copyreq_argv(const struct keyopts *o, const struct wire_exec *e,
    size_t *argc)
{
	char	**v;
	size_t	  n = 0;

	if ((v = calloc(3 + 2 * o->ncopy + e->argc, sizeof(char *))) == NULL) {
		return NULL;
	}
	v[n++] = (char *)COPYREQ_PROGRAM;
	v[n++] = (char *)COPYREQ_FLAG;
	for (size_t i = 0; i < o->ncopy; i++) {
		v[n++] = (char *)"-R";
		v[n++] = o->copy[i];
	}
	/* The end of rshd's words: the client's come after, and may not
	 * name a root of their own. */
	v[n++] = (char *)"--";
	for (size_t i = 1; i < e->argc; i++) {
		v[n++] = e->argv[i];
	}
	*argc = n;
	return v;
}
