/*
 * prefix: the sink of one host among many (rsh -w).  Each line of the
 * command's stdout goes to rsh's stdout as "LABEL: line", each line of
 * its stderr to rsh's stderr the same way; a line is written only once
 * it is whole, so lines of different hosts never mix.  A final line
 * without a newline gets one when the command ends; a line longer than
 * PREFIX_LINEMAX is written in pieces of that size, each prefixed.
 *
 * In block mode (-b) a host's output is kept until it ends and written
 * as dshbak writes it: a header (a line of dashes, the label, a line of
 * dashes), then the lines as they came; stdout's block on stdout, then
 * stderr's block on stderr.  Beyond PREFIX_BLOCKMAX a stream's block is
 * written early, up to its last whole line, and continues under a new
 * header, so memory stays bounded whatever a command prints.
 */
#ifndef RSH_PREFIX_H
#define RSH_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sink.h"

#define PREFIX_LINEMAX	(64 * 1024)
#define PREFIX_BLOCKMAX	(4 * 1024 * 1024)

struct prefix_stream {
	struct buf b;		/* a partial line, or (-b) the block so far */
	int	 cut;		/* a long line was cut: a '\n' next ends it */
};

struct prefix {
	struct sink		 s;	/* first: &x->s is the sink */
	const char		*label;
	int			 block;
	int			 failed;	/* errno of a failed write */
	struct prefix_stream	 out, err;
};

/*
 * A sink for the host called label (display names it in rsh's own
 * messages); both strings must outlive it.  block: -b.
 */
void	prefix_init(struct prefix *x, const char *display, const char *label,
	    int block);

/* Frees the buffers (not x itself). */
void	prefix_free(struct prefix *x);

#endif
