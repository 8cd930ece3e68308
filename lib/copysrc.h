/*
 * copysrc: the sending end of a copy stream (copywire.h): files,
 * directories and links read and written as records through a callback,
 * 64 KiB at a time, never a whole file in memory.  Shared by rcp (copying
 * to a host) and rshd's copy helper (copying from it).  No printing.
 */
#ifndef RSH_COPYSRC_H
#define RSH_COPYSRC_H

#include <stddef.h>
#include <stdint.h>

#include "copysink.h"		/* COPY_* flags */

struct copysrc_conf {
	int	  flags;		/* COPY_RECURSIVE, COPY_PRESERVE */
	/* Writes all n bytes: 0, or -1 to stop (said by the caller). */
	int	(*write)(void *ctx, const void *p, size_t n);
	/* An entry that could not be sent.  NULL: sent to the sink as an
	 * 'e' record instead (rshd's helper: the client shows it). */
	void	(*say)(void *ctx, const char *msg);
	/* bytes more of the file name were sent (may be NULL). */
	void	(*progress)(void *ctx, const char *name, uint64_t bytes);
	void	 *ctx;
	/*
	 * The descriptor write() writes to when it is a pipe, or -1: a
	 * file's data is then spliced into it from the page cache, not
	 * copied through our buffer (the headers still go through write).
	 */
	int	  pipe_fd;
};

struct copysrc;

/* A source for c (copied); its 64 KiB buffer.  NULL when out of memory. */
struct copysrc	*copysrc_new(const struct copysrc_conf *c);

/* The stream's magic.  0, or -1 when the writer failed. */
int		 copysrc_begin(struct copysrc *s);

/*
 * One top-level entry: path, opened relative to atfd (AT_FDCWD or a
 * root), through openat2(2) with resolve (RESOLVE_* flags; 0: plain
 * openat, following links as any program does).  A top-level link is
 * followed; below it, links are sent as links (with COPY_RECURSIVE) and
 * every name is opened with O_NOFOLLOW.  shown (NULL: path) is the path
 * as the user wrote it: the entry's name is its last component, and
 * messages name it.  An entry that cannot be read is
 * said (or sent as 'e') and counted.  0, or -1 when the writer failed.
 */
int		 copysrc_top(struct copysrc *s, int atfd, const char *path,
		    uint64_t resolve, const char *shown);

/* An entry that cannot be sent at all (msg says why): said or sent as
 * 'e', counted.  0, or -1 when the writer failed. */
int		 copysrc_skip(struct copysrc *s, const char *msg);

/* The end record.  0, or -1. */
int		 copysrc_end(struct copysrc *s);

/* Entries that could not be sent. */
unsigned long	 copysrc_errors(const struct copysrc *s);

void		 copysrc_free(struct copysrc *s);

/* openat(2), or openat2(2) with resolve when it is not 0. */
int		 copysrc_open(int atfd, const char *path, int flags,
		    uint64_t resolve);

#endif
