/*
 * cryptodl: loads libcrypto for rsh at its first cryptographic call and
 * says so in the binary, as a .note.dlopen, since the loader's list of
 * needed libraries (DT_NEEDED) no longer names it.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cryptodl.h"

/* From the Makefile: the SONAME of the libcrypto rsh is built against. */
#ifndef CRYPTO_SONAME
#error "CRYPTO_SONAME is not set (the Makefile reads it from libcrypto)"
#endif

/*
 * The freedesktop.org ELF dlopen metadata (systemd.io/ELF_DLOPEN_METADATA):
 * a note of type 0x407c0c0a, owner "FDO", whose payload is a NUL-ended
 * JSON array, in a section of its own.  Packaging tools (dh-dlopenlibdeps,
 * systemd's package-notes) read the dependency from it; readelf -n shows
 * it.  The compiler makes a ".note" section SHT_NOTE, allocated and read
 * only; the struct's alignment pads the payload with zeros to 4 bytes.
 */
#define NOTE_OWNER	"FDO"
#define NOTE_TYPE	0x407c0c0aU
#define NOTE_JSON							\
	"[{\"feature\":\"crypto\","					\
	"\"description\":\"the protocol's X25519, HMAC-SHA256 and "	\
	"AES-256-GCM, loaded when rsh connects to rshd itself\","	\
	"\"priority\":\"required\","					\
	"\"soname\":[\"" CRYPTO_SONAME "\"]}]"

__attribute__((used, section(".note.dlopen"), aligned(4)))
static const struct {
	uint32_t	namesz;
	uint32_t	descsz;
	uint32_t	type;
	char		name[sizeof(NOTE_OWNER)];
	char		desc[sizeof(NOTE_JSON)];
} dlopen_note = {
	sizeof(NOTE_OWNER), sizeof(NOTE_JSON), NOTE_TYPE, NOTE_OWNER, NOTE_JSON
};

struct cryptodl	cryptodl;
static char	load_error[512];

/*
 * Resolves one function unless an earlier one was missing; dlerror() then
 * names the symbol and the file it was looked for in.
 */
#define RESOLVE(f)							\
	if (missing == NULL &&						\
	    (cryptodl.f = (__typeof__(cryptodl.f))dlsym(h, #f)) == NULL) { \
		missing = #f;						\
	}

/* Keeps why the load failed: dlerror's text, or the symbol missing. */
static void
say(const char *why, const char *missing)
{
	if (why != NULL) {
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s",
		    CRYPTO_SONAME, why);
	} else {
		snprintf(load_error, sizeof(load_error), "cannot load %s: "
		    "it has no %s", CRYPTO_SONAME,
		    missing != NULL ? missing : "(unknown error)");
	}
}

int
cryptodl_load(void)
{
	const char	*missing = NULL;
	void		*h;

	/*
	 * RTLD_NOW: a libcrypto too old for one of the table's functions
	 * fails here, at once, not at the call.  Never closed: OpenSSL
	 * keeps per-thread state and runs no exit handlers of ours.
	 */
	if ((h = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		say(dlerror(), NULL);
		return -1;
	}
	CRYPTODL_FUNCS(RESOLVE)
	if (missing != NULL) {
		/* Said before dlclose, which frees dlerror's text. */
		say(dlerror(), missing);
		memset(&cryptodl, 0, sizeof(cryptodl));
		(void)dlclose(h);
		return -1;
	}
	return 0;
}

const char *
cryptodl_error(void)
{
	return load_error;
}
