/*
 * copyreq: an EXEC that asks for rshd's copy helper (rcp), judged by the
 * key's copy= and no-copy and turned into the helper's argument vector
 * (docs/PROTOCOL.md, "Copying files").  Pure: no files, no printing.
 */
#ifndef RSHD_COPYREQ_H
#define RSHD_COPYREQ_H

#include <stddef.h>

#include "wire.h"

#include "keyopts.h"

/* What rshd runs for a copy: itself, so the helper is its own version. */
#define COPYREQ_PROGRAM	"/proc/self/exe"
#define COPYREQ_FLAG	"--copy-helper"

/* 1 when e asks for the copy helper: no SHELL, ARG 0 "rsh-copy". */
int	copyreq_is(const struct wire_exec *e);

/*
 * May a key with options o (its id keyid) copy?  0, or -1 with a
 * sentence for ERROR DENIED in msg.
 */
int	copyreq_judge(const struct keyopts *o, const char *keyid,
	    const struct wire_exec *e, char *msg, size_t msglen);

/*
 * The helper's argument vector: COPYREQ_PROGRAM COPYREQ_FLAG, "-R ROOT"
 * for each of o's copy= roots, "--", then e's ARGs after "rsh-copy".  One
 * allocation (free it), its strings borrowed from o and e; *argc its
 * length.  NULL when out of memory.
 */
char	**copyreq_argv(const struct keyopts *o, const struct wire_exec *e,
	    size_t *argc);

#endif
