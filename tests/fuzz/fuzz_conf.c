/*
 * fuzz_conf: rshd's configuration parser on arbitrary bytes.  The first
 * byte's low bit picks one: 0 conf_set on the rest as one -o argument
 * (cut at its first NUL, as argv would be); 1 conf_load on the rest as a
 * config file, through a memfd opened again by /proc/self/fd.  A failure
 * must say why; what is set must be freed (LeakSanitizer checks).
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../rshd/conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	memfd = -1;
static char	path[64];

static void
check(struct conf *c, int rc, const char *err)
{
	if ((rc == -1 && err[0] == '\0') || c->nlisten > CONF_MAXLISTEN ||
	    c->nnames > CONF_MAXNAMES || c->naccept_env > CONF_MAXLIST) {
		abort();
	}
	conf_free(c);
}

static void
one_setting(const uint8_t *data, size_t size)
{
	struct conf	 c;
	char		*kv, err[512];

	if ((kv = strndup((const char *)data, size)) == NULL) {
		abort();
	}
	conf_defaults(&c);
	err[0] = '\0';
	check(&c, conf_set(&c, kv, err, sizeof(err)), err);
	free(kv);
}

static void
file(const uint8_t *data, size_t size)
{
	struct conf	c;
	char		err[512];

	if (memfd == -1) {
		if ((memfd = memfd_create("fuzz_conf", MFD_CLOEXEC)) == -1) {
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) == -1 ||
	    (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		abort();
	}
	conf_defaults(&c);
	err[0] = '\0';
	check(&c, conf_load(&c, path, err, sizeof(err)), err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	if (data[0] & 1) {
		file(data + 1, size - 1);
	} else {
		one_setting(data + 1, size - 1);
	}
	return 0;
}
