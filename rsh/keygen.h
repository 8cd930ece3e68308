/*
 * keygen: rsh --keygen: a new key line, on stdout or into a file.
 */
#ifndef RSH_KEYGEN_H
#define RSH_KEYGEN_H

#include "opts.h"

/*
 * Makes a key line for id (with fleet, a fleet key's) and writes it to stdout (path NULL) or to path,
 * created with mode 0600.  An existing file is refused unless it is an
 * empty regular file of ours (as mktemp makes), which is then set to 0600
 * and filled: a key file is never overwritten.  Returns 0, or -1 after
 * saying why on stderr.
 */
int	keygen_write(const char *id, int fleet, const char *path);

/*
 * rsh --derive: for each of the n names, the line "KEYID BASE64
 * name=NAME" of the key derived for that server name (canonical, as rsh
 * NAME would send it) from the fleet key that rsh NAME would use, on
 * stdout.  Returns 0, or -1 after saying why on stderr (a name with no
 * key line, or whose line is not a fleet key).
 */
int	keygen_derive(const struct opts *o, char *const *names, int n);

#endif
