/*
 * dgram: one command on one host over UDP (rsh -u): one request datagram,
 * re-sent byte for byte until its reply comes.
 */
#ifndef RSH_DGRAM_H
#define RSH_DGRAM_H

#include <stdint.h>

#include "keys.h"
#include "sink.h"
#include "wire.h"

/*
 * A command's longest run over UDP, and how much longer the client waits
 * for its reply: 25 s in all, under the server's 30 s clock window, so
 * that no retry can be refused for its age.
 */
#define DGRAM_MAXTIME_MS	22000
#define DGRAM_SLACK_MS		3000

/* max_reply: 1400 fits one unfragmented Ethernet datagram. */
#define DGRAM_REPLY_DEFAULT	1400
#define DGRAM_REPLY_MIN		512
#define DGRAM_REPLY_MAX		65000

struct dgram_target {
	const char		*host;		/* to resolve, no brackets */
	const char		*port;
	struct sink		*sink;		/* output and messages */
	const char		*name;		/* canonical server name */
	const struct key	*key;
	uint16_t		 max_reply;
};

/*
 * Runs e on t over UDP.  e has a TIMEOUT of at most DGRAM_MAXTIME_MS and
 * no stdin_data: unless e's FLAGS say NO_STDIN, standard input is read to
 * its end here and sent with the request.  Waits for the reply until the
 * TIMEOUT plus DGRAM_SLACK_MS has passed, hands it to t->sink, and
 * returns the exit status rsh should end with, also in *res (whose error
 * points into the sink); every failure has been said through the sink in
 * one line.  Everything it allocates is freed, secrets wiped.
 */
int	dgram_run(const struct dgram_target *t, const struct wire_exec *e,
	    struct sink_result *res);

#endif
