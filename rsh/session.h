/*
 * session: one command on one host, from S1 to EXIT.
 */
#ifndef RSH_SESSION_H
#define RSH_SESSION_H

#include <stdint.h>

#include "crypto.h"
#include "keys.h"
#include "wire.h"

/* rsh's own failures: cannot connect, authentication, protocol. */
#define RSH_EXIT_FAILURE	255

struct rsh_target {
	const char		*display;	/* "web3:2222", for messages */
	const char		*name;		/* canonical server name */
	const struct key	*key;
	int			 timeout_ms;	/* handshake */
	int			 prepared;	/* nc and xkey are set */
	uint8_t			 nc[CRYPTO_KEYLEN];
	/* The handshake's X25519 key: whoever holds the pointer owns it. */
	struct crypto_x25519_key *xkey;
};

/*
 * Runs e on the connected socket fd: handshake, EXEC together with C1,
 * stdin forwarding within the credit, output to fds 1 and 2, signals from
 * sigfd (a signalfd for INT, TERM, HUP, QUIT) forwarded.  Returns the exit
 * status rsh should end with; every failure has been reported on stderr
 * in one line.  Does not close fd.  Once S1 has arrived, t->xkey goes to
 * the handshake, which frees it, and is set to NULL; if it is still set
 * afterwards (no S1), the caller frees it.
 */
int	session_run(int fd, int sigfd, struct rsh_target *t,
	    const struct wire_exec *e);

/*
 * The exit status for an EXIT's (or a UDP reply's) how and code: the
 * command's own status, 128 + N when signal N killed it, 255 for
 * anything the protocol does not define.
 */
int	session_exit_status(uint8_t how, uint8_t code);

#endif
