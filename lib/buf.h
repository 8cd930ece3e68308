/*
 * buf: a bounded byte buffer with a read offset, for socket input and
 * output.  Data lives in p[off .. off+len); room for more is at the end.
 */
#ifndef RSH_BUF_H
#define RSH_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*p;
	size_t	 off;	/* first unconsumed byte */
	size_t	 len;	/* unconsumed bytes */
	size_t	 cap;	/* allocated, never more than max */
	size_t	 max;
	size_t	 used;	/* bytes of p ever committed: what a wipe covers */
};

/* An empty buffer that may grow to max bytes.  Returns 0 or -1. */
int	 buf_init(struct buf *, size_t initial, size_t max);

/* Frees the storage, wiping every byte ever committed (not the rest: a
 * wipe of pages never used would make them resident for nothing); safe on
 * a zeroed or freed buffer. */
void	 buf_free(struct buf *);

/*
 * Makes room for n more bytes at the end, moving data to the front or
 * growing up to max, and returns where to write them; NULL when n does not
 * fit under max.  buf_commit(n) then adds what was written.
 */
uint8_t	*buf_reserve(struct buf *, size_t n);
void	 buf_commit(struct buf *, size_t n);

/* The caller wrote up to n bytes at what buf_reserve() returned and keeps
 * none of them (a record it could not seal): they are wiped now, since
 * the wipe at free covers only what was committed. */
void	 buf_abandon(struct buf *, size_t n);

/* Appends n bytes; 0, or -1 when they do not fit. */
int	 buf_append(struct buf *, const void *, size_t n);

/* Drops n bytes from the front. */
void	 buf_consume(struct buf *, size_t n);

/* The unconsumed data. */
static inline uint8_t *
buf_data(const struct buf *b)
{
	return b->p + b->off;
}

#endif
