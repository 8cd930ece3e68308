/*
 * monitor_udp: the privileged part's half of UDP.  A request is opened
 * (its tag checked, its payload decrypted) and its reply sealed here,
 * with the key's PSK, which never leaves this process.  Each request
 * opened gets a token: one use of PREPARE for its key and generation,
 * and one SEAL of its reply with the header it came with; DROP lets go
 * of one the network part will not run.  The table of tokens is bounded
 * by the requests that may be queued or running at once.
 */
#ifndef RSHD_MONITOR_UDP_H
#define RSHD_MONITOR_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "privmsg.h"
#include "snapshot.h"

/* The snapshot of generation g, with a reference; NULL if unknown
 * (monitor.c). */
struct snapshot	*monitor_gen_hold(unsigned long g);

/* Sizes the table for boot's UdpQueue and UdpWorkers: 0 or -1. */
int	monitor_udp_init(const struct snapshot *boot);

/*
 * OPEN: dgram[0..len) (a copy, decrypted in place) under snap.  rc 0
 * with r->token and the payload in out[0..*outlen); else rc -1 and
 * r->why says why (PRIV_UDP_*).
 */
void	monitor_udp_open(const struct snapshot *snap,
	    const struct priv_req *q, uint8_t *dgram, size_t len,
	    struct priv_rep *r, uint8_t *out, size_t *outlen);

/* PREPARE over UDP: 0 when token is a live one for keyid and gen, not
 * used for a PREPARE before (it is now), with *index the key's place in
 * gen's keys (a key id may have several, by name=); -1 otherwise. */
int	monitor_udp_claim(const uint8_t token[PRIV_TOKENLEN],
	    const char *keyid, unsigned long gen, size_t *index);

/* SEAL: the reply pay[0..len) describes, sealed into out[0..*outlen);
 * the token is gone after.  DROP: the token is gone. */
void	monitor_udp_seal(const struct priv_req *q, const uint8_t *pay,
	    size_t len, struct priv_rep *r, uint8_t *out, size_t *outlen);
void	monitor_udp_drop(const struct priv_req *q);

#endif
