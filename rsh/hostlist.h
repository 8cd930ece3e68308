/*
 * hostlist: the hosts of `rsh -w`, written as pdsh writes them:
 * "web[01-12],db1,db[3,5-7]:2222".  Commas outside brackets separate
 * entries; each bracket group is a list of numbers and ranges, and an
 * entry with several groups expands to every combination, left to right.
 * A range whose first number has a leading zero keeps its width
 * ("[08-10]" gives 08 09 10).  Brackets holding a ':' are an IPv6
 * address ("[::1]:2222"), kept as they are.  "^FILE" reads entries from
 * FILE, one hostlist a line ("#" starts a comment).  Duplicates are
 * dropped, first place kept.  Nothing here prints: errors come back as
 * one sentence naming the offending text.
 */
#ifndef RSH_HOSTLIST_H
#define RSH_HOSTLIST_H

#include <stddef.h>

/* At most this many hosts in a list, so a typo cannot eat the memory. */
#define HOSTLIST_MAX		100000
/* The longest entry, "host:port" included. */
#define HOSTLIST_ENTRYMAX	300

struct hostlist;

/* An empty list, or NULL when memory runs out. */
struct hostlist	*hostlist_new(void);

/*
 * Appends the hosts of spec (a hostlist, or "^FILE") that are not there
 * yet.  Returns 0, or -1 with a sentence in err; the list then holds
 * what it held before.
 */
int	hostlist_add(struct hostlist *h, const char *spec, char *err,
	    size_t errlen);

/*
 * Removes every host that spec (as for hostlist_add) names.  Returns 0,
 * or -1 with a sentence in err (the list is unchanged).
 */
int	hostlist_exclude(struct hostlist *h, const char *spec, char *err,
	    size_t errlen);

size_t	hostlist_count(const struct hostlist *h);

/* The i-th host (i < hostlist_count), owned by the list. */
const char *hostlist_get(const struct hostlist *h, size_t i);

/* Frees the list and its strings; NULL does nothing. */
void	hostlist_free(struct hostlist *h);

#endif
