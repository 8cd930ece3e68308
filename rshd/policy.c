/*
 * policy: per-key decisions.
 */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "wire.h"

#include "policy.h"

int
policy_check_keys(const struct keyring *keys, const char *path, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < keys_count(keys); i++) {
		const struct key *k = keys_at(keys, i);

		if (k->options != NULL && k->options[0] != '\0') {
			snprintf(err, errlen, "keys file %s: key '%s' has "
			    "options ('%s'), which this rshd does not support "
			    "yet; refusing the file rather than ignoring them",
			    path, k->id, k->options);
			return -1;
		}
	}
	return 0;
}

int
policy_exec(const struct key *key, const struct wire_exec *e, char *msg,
    size_t msglen)
{
	(void)key;
	if (e->envc > 0) {
		size_t n = strcspn(e->env[0], "=");

		snprintf(msg, msglen, "environment variable %.*s is not "
		    "accepted by this server", (int)n, e->env[0]);
		return -1;
	}
	if (e->has_flags && (e->flags & EXEC_FLAG_PTY)) {
		snprintf(msg, msglen, "PTY sessions are not supported by this "
		    "server");
		return -1;
	}
	return 0;
}
