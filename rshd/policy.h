/*
 * policy: who may run what, as whom, from where.  Built once from the
 * keys file (each key's options, see keyopts.h) and the configuration;
 * read-only afterwards.  Its answers
 * are decisions the job's plan is built from, never rshd's own account
 * by default: a key must name its account (user=) when rshd runs as root,
 * unless PermitRootCommands says otherwise.
 */
#ifndef RSHD_POLICY_H
#define RSHD_POLICY_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "wire.h"

#include "conf.h"
#include "exec.h"

struct policy;

/*
 * Reads every key's options and looks up its accounts.  A key whose
 * options do not parse, or one of whose accounts does not exist or may
 * not be used, is skipped (it authenticates nobody) with a line naming file,
 * line and option in *report (one sentence a line, NUL terminated; the
 * caller frees it; NULL when nothing is wrong); the others keep working.
 * *usable gets how many keys are usable.  NULL when memory runs out.
 *
 * judged (NULL, or a flag per key): the network part's load, which looks
 * up no account: a key is usable where the privileged part found it so,
 * and nothing is reported (the privileged part did).
 */
struct policy	*policy_load(const struct keyring *keys, const char *path,
		    const struct conf *c, const struct exec_account *self,
		    const uint8_t *judged, char **report, size_t *usable);
void		 policy_free(struct policy *);

/* Whether the i-th key authenticates anyone. */
int		 policy_key_usable(const struct policy *p, size_t i);

enum policy_admit {
	POLICY_OK = 0,
	POLICY_KEY_SKIPPED,	/* its options were refused at load */
	POLICY_ADDRESS,		/* from= does not include the peer */
	POLICY_NO_UDP		/* no-udp, or from= (addresses prove nothing) */
};

/* May key be used from peer over transport (WIRE_TCP or WIRE_UDP)? */
enum policy_admit policy_admit(const struct policy *, const struct key *,
		    const struct sockaddr_storage *peer, int transport);

/* key's max-sessions (0: no limit).  The counts themselves are kept by
 * admit, by key id, so that they carry over a reload. */
int	policy_max_sessions(const struct policy *, const struct key *);

/* What policy decided: the grant the plan is built from, and what it
 * owns. */
struct policy_decision {
	struct exec_grant	 grant;
	char			*owned[4];	/* RSH_* strings */
	char			**env;		/* the grant's env array */
	char			**words;	/* an allow= key's command
						 * line, split: the grant's
						 * argv (one allocation) */
};

/*
 * May key run e, from peer, as the account e names (e->account; NULL:
 * the key's first)?  0 with *dec filled (free it with
 * policy_decision_free; it borrows from e and the policy, which must
 * outlive it), or -1 with a sentence for ERROR DENIED in msg.
 */
int	policy_exec(const struct policy *, const struct key *,
	    const struct wire_exec *e, const struct sockaddr_storage *peer,
	    struct policy_decision *dec, char *msg, size_t msglen);
void	policy_decision_free(struct policy_decision *);

#endif
