/*
 * copysink: the receiving end of a copy stream (copywire.h), fed bytes as
 * they come and writing files beneath one directory descriptor.  Shared
 * by rcp (copying from a host) and rshd's copy helper (copying to it), so
 * that both refuse the same hostile streams.  No printing: failures go to
 * the say callback, one sentence each.
 *
 * Nothing the stream says can reach outside the directory: every name is
 * one component, opened relative to its directory's descriptor with
 * O_NOFOLLOW, and every file is written to a new temporary name beside its
 * target (O_EXCL) and renamed over it only once complete.
 */
#ifndef RSH_COPYSINK_H
#define RSH_COPYSINK_H

#include <stddef.h>
#include <stdint.h>

#define COPY_RECURSIVE	0x01	/* -r: directories and links may come */
#define COPY_PRESERVE	0x02	/* -p: modes and times */
#define COPY_SYNC	0x04	/* -s: fsync each file before its rename */

struct copysink_conf {
	int		  dirfd;	/* where entries land; borrowed */
	const char	 *asname;	/* not NULL: the one top-level entry
					 * lands as this name in dirfd */
	const char	**expect;	/* not NULL: the top-level names, in
					 * order, one per entry */
	size_t		  nexpect;
	int		  flags;	/* COPY_* */
	/* A failure, one sentence; fatal when the stream is bad. */
	void		(*say)(void *ctx, const char *msg);
	/* bytes more of the file name have come (may be NULL). */
	void		(*progress)(void *ctx, const char *name,
			    uint64_t bytes);
	void		 *ctx;
};

struct copysink;

/* A sink for c (copied; its strings borrowed).  NULL when out of memory. */
struct copysink	*copysink_new(const struct copysink_conf *c);

enum copysink_state {
	COPYSINK_MORE = 0,	/* give it more */
	COPYSINK_DONE,		/* the stream ended with 'z' */
	COPYSINK_BAD		/* malformed; said why; stop */
};

/* Consumes n bytes at p.  Once DONE or BAD it stays so (bytes after 'z'
 * make it BAD). */
enum copysink_state copysink_feed(struct copysink *s, const uint8_t *p,
		    size_t n);

/*
 * One read of fd into the sink: a file's data spliced straight from fd
 * (a pipe) into the file where it can be, else read into buf (len bytes)
 * and fed.  The state, and in *eof whether fd ended (copysink_end then
 * says whether the stream was whole).  A failed read is BAD (said).
 */
enum copysink_state copysink_read(struct copysink *s, int fd, uint8_t *buf,
		    size_t len, int *eof);

/* The input ended: DONE if the stream was complete, else BAD (said). */
enum copysink_state copysink_end(struct copysink *s);

/* Entries that failed (said) while the stream went on. */
unsigned long	copysink_errors(const struct copysink *s);

/* Removes an unfinished temporary file, closes what it opened. */
void		copysink_free(struct copysink *s);

#endif
