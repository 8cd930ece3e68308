/*
 * policy: what a key may do.  Today a key's options must be empty (the
 * per-key options, run-as account, source networks, forced command and
 * accepted environment, will be parsed here), no ENV name is accepted and
 * PTY sessions are refused; every refusal says what and why.
 */
#ifndef RSHD_POLICY_H
#define RSHD_POLICY_H

#include <stddef.h>

#include "keys.h"
#include "wire.h"

/* Checks every key's options when the keys file loads: 0, or -1 with err. */
int	policy_check_keys(const struct keyring *keys, const char *path,
	    char *err, size_t errlen);

/* May key run e?  0, or -1 with a sentence for ERROR DENIED in msg. */
int	policy_exec(const struct key *key, const struct wire_exec *e,
	    char *msg, size_t msglen);

#endif
