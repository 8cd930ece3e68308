/*
 * output: the command's output on rsh's stdout and stderr, byte for byte,
 * and the server's ERROR texts, escaped.
 */
#ifndef RSH_OUTPUT_H
#define RSH_OUTPUT_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#define OUTPUT_BATCH	16	/* STDOUT payloads per writev() */

struct output {
	int		failed;		/* our stdout or stderr broke */
	struct iovec	pend[OUTPUT_BATCH];
	int		npend;
};

/*
 * Queues a STDOUT payload.  It is not copied: p must stay valid until
 * output_flush(), which the caller runs before it reuses the buffer.
 */
void	output_stdout(struct output *, const uint8_t *p, size_t len);

/* Writes a STDERR payload at once (after the queued stdout). */
void	output_stderr(struct output *, const uint8_t *p, size_t len);

/* Writes what output_stdout() queued, in one writev() where it can. */
void	output_flush(struct output *);

/* Prints an ERROR payload (u16 code, text) as "rsh: HOST: label: text". */
void	output_error(const char *display, const uint8_t *p, size_t len);

/* Prints a server's text without a code (UDP how 2) as "rsh: HOST: text". */
void	output_text(const char *display, const uint8_t *p, size_t len);

#endif
