/*
 * output: the plain sink.  The command's output goes to rsh's stdout and
 * stderr byte for byte; rsh's own messages go to stderr (sink.c).
 */
#ifndef RSH_OUTPUT_H
#define RSH_OUTPUT_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include "sink.h"

#define OUTPUT_BATCH	16	/* STDOUT payloads per writev() */

struct output {
	struct sink	s;		/* first: &o->s is the sink */
	int		failed;		/* our stdout or stderr broke */
	struct iovec	pend[OUTPUT_BATCH];
	int		npend;
};

/*
 * A plain sink for the host named display (which must outlive it).
 * STDOUT payloads are queued, not copied, until the sink's flush; stderr
 * is written at once, after the queued stdout.  Once a write has failed,
 * the sink drops everything and keeps failing with the same errno.
 */
void	output_init(struct output *o, const char *display);

#endif
