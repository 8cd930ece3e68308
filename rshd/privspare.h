/*
 * privspare: a few channels to the privileged part made ahead, each with
 * its HELLO answered, so that a new connection's first call costs no
 * channel to make, no thread for it in the privileged part, and no round
 * trip before S1.  One thread of the network part keeps them made.
 */
#ifndef RSHD_PRIVSPARE_H
#define RSHD_PRIVSPARE_H

#include <stdint.h>

#include "handshake.h"

/*
 * A spare channel and its nonce into ns: its fd, which the caller owns,
 * or -1 when none is ready (the caller then makes its own).  The first
 * call starts the thread that makes them; each call asks for one more.
 */
int	privspare_take(uint8_t ns[HS_NONCELEN]);

/*
 * At the end, before the channel to the privileged part closes: stops
 * the thread and closes the spares, whose open channels would otherwise
 * keep the privileged part waiting for them.
 */
void	privspare_end(void);

#endif
