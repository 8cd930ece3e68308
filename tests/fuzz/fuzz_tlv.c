/*
 * fuzz_tlv: wire_exec_decode on arbitrary bytes, over TCP or UDP (the
 * first byte's low bit).  What decodes must encode, and the encoding must
 * decode to the same request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
same_strings(char **a, char **b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(a[i], b[i]) != 0) {
			return 0;
		}
	}
	return a[n] == NULL && b[n] == NULL;
}

static int
same_exec(const struct wire_exec *a, const struct wire_exec *b)
{
	if (a->argc != b->argc || !same_strings(a->argv, b->argv, a->argc) ||
	    a->envc != b->envc || !same_strings(a->env, b->env, a->envc) ||
	    (a->cwd == NULL) != (b->cwd == NULL) ||
	    (a->cwd != NULL && strcmp(a->cwd, b->cwd) != 0) ||
	    a->has_timeout != b->has_timeout ||
	    a->timeout_ms != b->timeout_ms || a->has_flags != b->has_flags ||
	    a->flags != b->flags || a->has_pty_size != b->has_pty_size ||
	    a->rows != b->rows || a->cols != b->cols ||
	    (a->stdin_data == NULL) != (b->stdin_data == NULL) ||
	    a->stdin_len != b->stdin_len ||
	    (a->account == NULL) != (b->account == NULL) ||
	    (a->account != NULL && strcmp(a->account, b->account) != 0)) {
		return 0;
	}
	return a->stdin_len == 0 ||
	    memcmp(a->stdin_data, b->stdin_data, a->stdin_len) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_exec	*e, *e2;
	const char		*why;
	uint8_t			*enc;
	int			 transport;
	long			 n;

	if (size < 1) {
		return 0;
	}
	transport = data[0] & 1 ? WIRE_UDP : WIRE_TCP;
	data++;
	size--;
	if (wire_exec_decode(data, size, transport, &e, &why) != WIRE_OK) {
		if (e != NULL || why == NULL) {
			abort();
		}
		return 0;
	}
	/* Encoding drops PAD and unknown tags: it is never longer. */
	if ((enc = malloc(size + 1)) == NULL) {
		abort();
	}
	n = wire_exec_encode(e, enc, size, 0);
	if (n < 0 || (size_t)n > size ||
	    wire_exec_decode(enc, (size_t)n, transport, &e2, &why) !=
	    WIRE_OK || !same_exec(e, e2)) {
		abort();
	}
	wire_exec_free(e2);
	wire_exec_free(e);
	free(enc);
	return 0;
}
