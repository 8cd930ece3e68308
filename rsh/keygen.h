/*
 * keygen: rsh --keygen: a new key line, on stdout or into a file.
 */
#ifndef RSH_KEYGEN_H
#define RSH_KEYGEN_H

/*
 * Makes a key line for id and writes it to stdout (path NULL) or to path,
 * created with mode 0600.  An existing file is refused unless it is an
 * empty regular file of ours (as mktemp makes), which is then set to 0600
 * and filled: a key file is never overwritten.  Returns 0, or -1 after
 * saying why on stderr.
 */
int	keygen_write(const char *id, const char *path);

#endif
