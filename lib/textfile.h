/*
 * textfile: a file read whole, the way keys files are read, for parsing
 * in place (textfile.c says why).
 */
#ifndef RSH_TEXTFILE_H
#define RSH_TEXTFILE_H

#include <stddef.h>

/*
 * Reads the file path whole: anything but a regular file, a file over
 * 1 MiB and a NUL byte anywhere are refused ("/etc/rsh/rshd.conf:3: line
 * holds a NUL byte").  what names it in messages ("config file").
 * Returns a buffer of *len bytes and a NUL, which the caller frees; NULL
 * with a sentence in err.
 */
char	*textfile_read(const char *path, const char *what, size_t *len,
	    char *err, size_t errlen);

/*
 * The same for a file of secrets, which must also be owned by the
 * effective user or root and closed to group and others ("keys file
 * /etc/rsh/keys is readable by others; refusing it").  The buffer is
 * *cap bytes, for the caller to wipe before freeing it.
 */
char	*textfile_read_secret(const char *path, const char *what,
	    size_t *len, size_t *cap, char *err, size_t errlen);

#endif
