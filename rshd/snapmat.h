/*
 * snapmat: what the privileged part hands the network part on a reload,
 * in place of the files: the config file's bytes as it read them, the
 * keys with each secret replaced by its fingerprint (KEYS_SERVER_FP, on
 * the lines the file had them), which keys it found usable, and the
 * server names it resolved.  The network part builds its snapshot from
 * that alone (snapshot_load_handed), so it never reads the keys file
 * and looks up no account or name.  It travels as a sealed memfd.
 */
#ifndef RSHD_SNAPMAT_H
#define RSHD_SNAPMAT_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

struct snapmat {
	uint8_t		*buf;		/* owns everything below */
	const char	*conf;		/* NULL: no config file was read */
	size_t		 conflen;
	const char	*keys;		/* KEYS_SERVER_FP text */
	size_t		 keyslen;
	const uint8_t	*usable;	/* a flag per key, in file order */
	size_t		 nkeys;
	const char	*names;		/* nnames strings, each NUL-ended */
	size_t		 nnames;
	int		 any_name;
};

/* The privileged part: s written to a new sealed memfd, or -1 with a
 * sentence in err. */
int	snapmat_make(const struct snapshot *s, char *err, size_t errlen);

/* The network part: reads and checks what fd holds into m (freed with
 * snapmat_free).  0, or -1 with a sentence in err. */
int	snapmat_read(int fd, struct snapmat *m, char *err, size_t errlen);

void	snapmat_free(struct snapmat *m);

#endif
