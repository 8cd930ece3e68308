/*
 * authlog: failed handshakes in the log, rate-limited.  The first few of
 * every period are logged one by one, naming the source and whether the
 * key id was unknown or the MAC wrong; the rest are counted and summed up
 * in one line, so a flood of bad handshakes cannot fill the journal.
 * Thread safe.
 */
#ifndef RSHD_AUTHLOG_H
#define RSHD_AUTHLOG_H

#define AUTHLOG_PERIOD_MS	10000
#define AUTHLOG_BURST		10	/* lines one by one per period */

/* A failed handshake from peer (its address as text) for keyid. */
void	authlog_fail(const char *peer, const char *keyid, int unknown_key);

/* Logs the summary of what was only counted, if anything (at exit). */
void	authlog_flush(void);

#endif
