/*
 * authlog: one period at a time; the summary of a period is written by
 * the first failure after it, or by authlog_flush().
 */
#include <pthread.h>
#include <string.h>

#include "log.h"
#include "netio.h"

#include "authlog.h"

static pthread_mutex_t	lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by lock: the current period and what it only counted. */
static long long	period_start;
static int		logged;
static unsigned long	quiet_unknown, quiet_mac;
static char		last_peer[NETIO_ADDRSTRMAX];

/* Writes the summary of the period that ends; lock held. */
static void
summary(void)
{
	if (quiet_unknown + quiet_mac > 0) {
		log_info("%lu more failed handshakes in %d s, not logged one "
		    "by one: %lu with an unknown key id, %lu with a wrong MAC "
		    "(the last from %s)", quiet_unknown + quiet_mac,
		    AUTHLOG_PERIOD_MS / 1000, quiet_unknown, quiet_mac,
		    last_peer);
	}
	quiet_unknown = quiet_mac = 0;
	logged = 0;
}

void
authlog_fail(const char *peer, const char *keyid, int unknown_key)
{
	long long now = netio_now_ms();

	pthread_mutex_lock(&lock);
	if (now - period_start >= AUTHLOG_PERIOD_MS) {
		summary();
		period_start = now;
	}
	if (logged < AUTHLOG_BURST) {
		logged++;
		log_info("%s: authentication failed for key '%s': %s", peer,
		    keyid, unknown_key ? "unknown key id" : "wrong MAC");
	} else {
		*(unknown_key ? &quiet_unknown : &quiet_mac) += 1;
		(void)strlcpy(last_peer, peer, sizeof(last_peer));
	}
	pthread_mutex_unlock(&lock);
}

void
authlog_flush(void)
{
	pthread_mutex_lock(&lock);
	summary();
	pthread_mutex_unlock(&lock);
}
