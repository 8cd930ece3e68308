/*
 * fuzz_keys: keys_load on arbitrary file contents, as a server's keys
 * file and as a client's (the first byte's low bit).  keys_load reads a
 * path, so the input goes into a memfd (mode 0600, or the permission
 * check refuses it) opened again through /proc/self/fd.  A ring that
 * loads must be consistent: every key found again by its id (the server's
 * ids are unique) and by its index.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	memfd = -1;
static char	path[64];

static void
setup(void)
{
	if ((memfd = memfd_create("fuzz_keys", MFD_CLOEXEC)) == -1 ||
	    fchmod(memfd, 0600) == -1) {
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
}

static void
check_ring(const struct keyring *kr, int kind)
{
	const struct key	*k, *f;
	size_t			 i, n = keys_count(kr);

	for (i = 0; i < n; i++) {
		k = keys_at(kr, i);
		if (k == NULL || keys_index(kr, k) != i ||
		    k->idlen != strlen(k->id) ||
		    !keys_id_valid(k->id, k->idlen) || keys_line(kr, i) == 0 ||
		    (f = keys_find_id(kr, k->id, k->idlen, k->name,
		    k->namelen)) == NULL ||
		    (kind == KEYS_SERVER && f != k) ||
		    (kind == KEYS_CLIENT && keys_index(kr, f) > i) ||
		    (kind == KEYS_SERVER && k->patterns != NULL) ||
		    (kind == KEYS_CLIENT && k->options != NULL)) {
			abort();
		}
	}
	(void)keys_find_host(kr, "web3.example.com");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring	*kr;
	char		 err[512];
	int		 kind;

	if (size < 1) {
		return 0;
	}
	if (memfd == -1) {
		setup();
	}
	kind = data[0] & 1 ? KEYS_SERVER : KEYS_CLIENT;
	data++;
	size--;
	if (ftruncate(memfd, 0) == -1 ||
	    (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		abort();
	}
	err[0] = '\0';
	if ((kr = keys_load(path, kind, err, sizeof(err))) == NULL) {
		if (err[0] == '\0') {
			abort();
		}
		return 0;
	}
	check_ring(kr, kind);
	keys_free(kr);
	return 0;
}
