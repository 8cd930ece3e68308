/*
 * snapmat: a snapshot's public material, from the privileged part to
 * the network part.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"

#include "policy.h"
#include "snapmat.h"

#define SNAPMAT_MAGIC	0x72736d31	/* "rsm1" */
/* Two files of at most 1 MiB each, the flags and the names. */
#define SNAPMAT_MAX	(4u * 1024 * 1024)

struct snapmat_hdr {
	uint32_t	magic;
	uint32_t	has_conf;
	uint32_t	conflen;
	uint32_t	keyslen;
	uint32_t	nkeys;
	uint32_t	nnames;
	uint32_t	nameslen;
	uint32_t	any_name;
};

/* A growing buffer; a failed append leaves it flagged, not short. */
struct out {
	uint8_t	*p;
	size_t	 len, cap;
	int	 failed;
};

static void
put(struct out *o, const void *p, size_t n)
{
	uint8_t *np;
	size_t	 cap;

	if (o->failed) {
		return;
	}
	if (o->len + n > o->cap) {
		cap = o->cap > 0 ? o->cap : 4096;
		while (cap < o->len + n) {
			cap *= 2;
		}
		if (cap > SNAPMAT_MAX || (np = realloc(o->p, cap)) == NULL) {
			o->failed = 1;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

/* Each key on the line the file had it, so that the network part's
 * messages name the same lines. */
static void
put_keys(struct out *o, const struct keyring *kr)
{
	char	b64[64];
	size_t	line = 1;

	for (size_t i = 0; i < keys_count(kr); i++) {
		const struct key *k = keys_at(kr, i);

		for (; line < keys_line(kr, i); line++) {
			put(o, "\n", 1);
		}
		if (crypto_b64encode(b64, sizeof(b64), k->fp,
		    sizeof(k->fp)) == -1) {
			o->failed = 1;
			return;
		}
		put(o, k->id, k->idlen);
		put(o, " ", 1);
		put(o, b64, strlen(b64));
		if (k->options != NULL) {
			put(o, " ", 1);
			put(o, k->options, strlen(k->options));
		}
		put(o, "\n", 1);
		line++;
	}
}

int
snapmat_make(const struct snapshot *s, char *err, size_t errlen)
{
	struct snapmat_hdr	 h;
	struct out		 o = { NULL, 0, 0, 0 };
	size_t			 start;
	int			 fd = -1;

	memset(&h, 0, sizeof(h));
	put(&o, &h, sizeof(h));
	put(&o, s->conf_text != NULL ? s->conf_text : "", s->conf_len);
	start = o.len;
	put_keys(&o, s->keys);
	h.keyslen = (uint32_t)(o.len - start);
	for (size_t i = 0; i < keys_count(s->keys); i++) {
		uint8_t u = (uint8_t)policy_key_usable(s->policy, i);

		put(&o, &u, 1);
	}
	start = o.len;
	for (size_t i = 0; i < s->nnames; i++) {
		put(&o, s->names[i], strlen(s->names[i]) + 1);
	}
	h.nameslen = (uint32_t)(o.len - start);
	if (o.failed) {
		snprintf(err, errlen, "out of memory handing over the keys");
		goto out;
	}
	h.magic = SNAPMAT_MAGIC;
	h.has_conf = s->conf_text != NULL;
	h.conflen = (uint32_t)s->conf_len;
	h.nkeys = (uint32_t)keys_count(s->keys);
	h.nnames = (uint32_t)s->nnames;
	h.any_name = (uint32_t)s->any_name;
	memcpy(o.p, &h, sizeof(h));
	if ((fd = memfd_create("rshd-snapshot", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1 ||
	    write(fd, o.p, o.len) != (ssize_t)o.len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1) {
		snprintf(err, errlen, "cannot hand over the keys: %s",
		    strerror(errno));
		if (fd != -1) {
			close(fd);
		}
		fd = -1;
	}
out:
	free(o.p);
	return fd;
}

int
snapmat_read(int fd, struct snapmat *m, char *err, size_t errlen)
{
	struct snapmat_hdr	 h;
	struct stat		 st;
	const uint8_t		*p, *end;
	size_t			 len, need;

	memset(m, 0, sizeof(*m));
	if (fstat(fd, &st) == -1 || st.st_size < (off_t)sizeof(h) ||
	    st.st_size > (off_t)SNAPMAT_MAX) {
		snprintf(err, errlen, "the privileged part handed over no "
		    "usable keys");
		return -1;
	}
	len = (size_t)st.st_size;
	if ((m->buf = malloc(len + 1)) == NULL ||
	    pread(fd, m->buf, len, 0) != (ssize_t)len) {
		snprintf(err, errlen, "cannot read the keys handed over: %s",
		    m->buf == NULL ? "out of memory" : strerror(errno));
		goto bad;
	}
	m->buf[len] = '\0';
	memcpy(&h, m->buf, sizeof(h));
	need = sizeof(h) + (size_t)h.conflen + h.keyslen + h.nkeys +
	    h.nameslen;
	if (h.magic != SNAPMAT_MAGIC || need != len ||
	    (!h.has_conf && h.conflen != 0)) {
		snprintf(err, errlen, "the keys handed over are malformed");
		goto bad;
	}
	p = m->buf + sizeof(h);
	end = m->buf + len;
	m->conf = h.has_conf ? (const char *)p : NULL;
	m->conflen = h.conflen;
	p += h.conflen;
	m->keys = (const char *)p;
	m->keyslen = h.keyslen;
	p += h.keyslen;
	m->usable = p;
	m->nkeys = h.nkeys;
	p += h.nkeys;
	m->names = (const char *)p;
	m->nnames = h.nnames;
	m->any_name = h.any_name != 0;
	/* Every name ends inside the buffer. */
	for (size_t i = 0; i < m->nnames; i++) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));

		if (nul == NULL) {
			snprintf(err, errlen, "the keys handed over are "
			    "malformed");
			goto bad;
		}
		p = nul + 1;
	}
	return 0;
bad:
	snapmat_free(m);
	return -1;
}

void
snapmat_free(struct snapmat *m)
{
	free(m->buf);
	memset(m, 0, sizeof(*m));
}
