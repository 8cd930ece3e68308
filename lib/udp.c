/*
 * udp: the UDP variant's request and reply datagrams (protocol-v1.md,
 * "UDP: one datagram each way").
 *
 * Both keys are derived from N, the PSK and the whole header H, so a
 * request whose header was changed in flight (key id, name, clock,
 * max_reply) does not open, and a reply opens only for the request it
 * answers.  Nothing here keeps a key beyond the call that derived it.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "keys.h"
#include "udp.h"
#include "wire.h"

#define UDP_MAGICLEN	4
#define UDP_FIXEDLEN	(UDP_NLEN + 8 + 2)	/* N, ts_ms, max_reply */
#define UDP_REPFIXED	(3 + 4 + 4)		/* how, code, flags, 2 lengths */
#define UDP_LABEL_REQ	"rsh/1 udp request"
#define UDP_LABEL_REP	"rsh/1 udp reply"

/* The key id rule is the key files' own (keys_id_valid). */
_Static_assert(UDP_MAXIDLEN == KEYS_MAXIDLEN, "key id limits differ");
/* udp_aead's info buffer is sized for the longer label. */
_Static_assert(sizeof(UDP_LABEL_REP) <= sizeof(UDP_LABEL_REQ),
    "labels changed");

static const uint8_t	magic_req[UDP_MAGICLEN] = { 'R', 'S', 'U', 0x01 };
static const uint8_t	magic_rep[UDP_MAGICLEN] = { 'R', 'S', 'U', 0x81 };

/*
 * Each k_req seals one plaintext only: N is new for every request and a
 * retry is the identical datagram, so the request's nonce can be fixed.
 */
static const uint8_t	zero_nonce[CRYPTO_NONCELEN];

/* What one message's key is made of: HKDF(N, PSK, label || H). */
struct udp_kdf {
	const char	*label;
	const uint8_t	*n;
	const uint8_t	*h;
	size_t		 hlen;
	const uint8_t	*psk;
};

/*
 * Seals (encrypt != 0) or opens buf[0..len) in place, with its tag at
 * buf + len, under the key kdf describes.  Returns 0 or -1 (an H longer
 * than any valid one, a crypto failure, a tag that does not verify).
 */
static int
udp_aead(const struct udp_kdf *kdf, int encrypt,
    const uint8_t nonce[CRYPTO_NONCELEN], const uint8_t *aad, size_t aadlen,
    uint8_t *buf, size_t len)
{
	uint8_t			 info[sizeof(UDP_LABEL_REQ) - 1 + UDP_HDRMAX];
	uint8_t			 key[CRYPTO_KEYLEN];
	struct crypto_aead	*a;
	size_t			 ll = strlen(kdf->label);
	int			 rc = -1;

	if (kdf->hlen > UDP_HDRMAX) {
		goto err0;
	}
	memcpy(info, kdf->label, ll);
	memcpy(info + ll, kdf->h, kdf->hlen);
	if (crypto_hkdf(key, kdf->n, UDP_NLEN, kdf->psk, CRYPTO_KEYLEN, info,
	    ll + kdf->hlen) == -1) {
		goto err1;
	}
	if ((a = crypto_aead_new(key, encrypt)) == NULL) {
		goto err1;
	}
	if (encrypt) {
		rc = crypto_aead_seal(a, nonce, aad, aadlen, buf, len,
		    buf + len);
	} else {
		rc = crypto_aead_open(a, nonce, aad, aadlen, buf, len,
		    buf + len);
	}
	crypto_aead_free(a);
err1:
	crypto_wipe(key, sizeof(key));
err0:
	return rc;
}

size_t
udp_req_hdrlen(size_t idlen, size_t namelen)
{
	return UDP_MAGICLEN + 1 + idlen + 1 + namelen + UDP_FIXEDLEN;
}

enum wire_status
udp_req_parse(uint8_t *dgram, size_t len, struct udp_req *r)
{
	size_t		idlen, namelen, noff;
	uint16_t	max_reply;

	memset(r, 0, sizeof(*r));
	if (len < UDP_MAGICLEN + 1 ||
	    memcmp(dgram, magic_req, UDP_MAGICLEN) != 0) {
		return WIRE_BAD;
	}
	/* The key id and the byte after it, the name's length. */
	idlen = dgram[UDP_MAGICLEN];
	if (len - UDP_MAGICLEN - 1 <= idlen ||
	    !keys_id_valid(dgram + UDP_MAGICLEN + 1, idlen)) {
		return WIRE_BAD;
	}
	namelen = dgram[UDP_MAGICLEN + 1 + idlen];
	noff = UDP_MAGICLEN + 1 + idlen + 1;
	/* The name, the fixed fields and at least a tag. */
	if (namelen == 0 || len - noff < namelen ||
	    len - noff - namelen < UDP_FIXEDLEN + CRYPTO_TAGLEN) {
		return WIRE_BAD;
	}
	max_reply = wire_get16(dgram + noff + namelen + UDP_NLEN + 8);
	if (max_reply < UDP_MINREPLY) {
		return WIRE_BAD;
	}
	r->h = dgram;
	r->hlen = noff + namelen + UDP_FIXEDLEN;
	r->keyid = (const char *)(dgram + UDP_MAGICLEN + 1);
	r->idlen = idlen;
	r->name = (const char *)(dgram + noff);
	r->namelen = namelen;
	r->n = dgram + noff + namelen;
	r->ts_ms = wire_get64(r->n + UDP_NLEN);
	r->max_reply = max_reply;
	r->sealed = dgram + r->hlen;
	r->sealedlen = len - r->hlen;
	return WIRE_OK;
}

enum wire_status
udp_req_open(struct udp_req *r, const uint8_t psk[CRYPTO_KEYLEN])
{
	struct udp_kdf	kdf = { UDP_LABEL_REQ, r->n, r->h, r->hlen, psk };
	size_t		len;

	r->payload = NULL;
	r->paylen = 0;
	if (r->sealedlen < CRYPTO_TAGLEN) {
		return WIRE_BAD;
	}
	len = r->sealedlen - CRYPTO_TAGLEN;
	if (udp_aead(&kdf, 0, zero_nonce, r->h, r->hlen, r->sealed,
	    len) == -1) {
		return WIRE_BAD;
	}
	r->payload = r->sealed;
	r->paylen = len;
	return WIRE_OK;
}

size_t
udp_req_padlen(size_t hlen, size_t tlvlen, uint16_t max_reply)
{
	size_t	need = max_reply / 3;

	/* Subtracting as we go: the sum of the parts could overflow. */
	if (hlen >= need || tlvlen >= need - hlen ||
	    CRYPTO_TAGLEN >= need - hlen - tlvlen) {
		return 0;
	}
	need -= hlen + tlvlen + CRYPTO_TAGLEN;
	/*
	 * A PAD TLV costs its 5-byte header too; when that alone is enough,
	 * it still needs one value byte, as a padlen of 0 means no PAD.
	 */
	return need <= 5 ? 1 : need - 5;
}

/* Writes H; the lengths are valid and out has room for it. */
static void
udp_put_header(uint8_t *out, const char *keyid, size_t idlen,
    const char *name, size_t namelen, const uint8_t n[UDP_NLEN],
    uint64_t ts_ms, uint16_t max_reply)
{
	memcpy(out, magic_req, UDP_MAGICLEN);
	out += UDP_MAGICLEN;
	*out++ = (uint8_t)idlen;
	memcpy(out, keyid, idlen);
	out += idlen;
	*out++ = (uint8_t)namelen;
	memcpy(out, name, namelen);
	out += namelen;
	memcpy(out, n, UDP_NLEN);
	wire_put64(out + UDP_NLEN, ts_ms);
	wire_put16(out + UDP_NLEN + 8, max_reply);
}

long
udp_req_build(uint8_t *out, size_t cap, const char *keyid, const char *name,
    const uint8_t n[UDP_NLEN], uint64_t ts_ms, uint16_t max_reply,
    const uint8_t psk[CRYPTO_KEYLEN], const uint8_t *tlv, size_t tlvlen)
{
	size_t		idlen = strnlen(keyid, UDP_MAXIDLEN + 1);
	size_t		namelen = strnlen(name, UDP_MAXNAMELEN + 1);
	size_t		hlen;
	struct udp_kdf	kdf = { UDP_LABEL_REQ, n, out, 0, psk };

	/* What H cannot encode is refused; a max_reply below UDP_MINREPLY
	 * is not (the tests send one to see it dropped). */
	if (!keys_id_valid(keyid, idlen) || namelen == 0 ||
	    namelen > UDP_MAXNAMELEN) {
		return -1;
	}
	hlen = udp_req_hdrlen(idlen, namelen);
	if (cap < hlen || cap - hlen < CRYPTO_TAGLEN ||
	    cap - hlen - CRYPTO_TAGLEN < tlvlen ||
	    (size_t)LONG_MAX - hlen - CRYPTO_TAGLEN < tlvlen) {
		return -1;
	}
	udp_put_header(out, keyid, idlen, name, namelen, n, ts_ms, max_reply);
	/* memcpy wants valid pointers even for 0 bytes; tlv may be NULL. */
	if (tlvlen != 0) {
		memcpy(out + hlen, tlv, tlvlen);
	}
	kdf.hlen = hlen;
	if (udp_aead(&kdf, 1, zero_nonce, out, hlen, out + hlen,
	    tlvlen) == -1) {
		/* Leave no plaintext where a datagram was expected. */
		crypto_wipe(out + hlen, tlvlen);
		return -1;
	}
	return (long)(hlen + tlvlen + CRYPTO_TAGLEN);
}

size_t
udp_reply_limit(size_t max_reply, size_t server_limit, size_t reqlen)
{
	size_t	lim = max_reply < server_limit ? max_reply : server_limit;

	/* 3 x reqlen is at most lim, and cannot overflow, exactly then. */
	return reqlen <= lim / 3 ? 3 * reqlen : lim;
}

void
udp_cut(size_t budget, size_t *olen, size_t *elen, uint8_t *flags)
{
	size_t	o, e;

	if (*olen <= budget && *elen <= budget - *olen) {
		return;
	}
	/*
	 * stderr is what says why a command failed, usually short, and it
	 * comes after stdout: it keeps up to a quarter of the budget even
	 * when stdout alone would fill it, and whatever stdout leaves over.
	 */
	e = *olen < budget ? budget - *olen : 0;
	if (e < budget / 4) {
		e = budget / 4;
	}
	if (e > *elen) {
		e = *elen;
	}
	o = budget - e;
	if (o > *olen) {
		o = *olen;
	}
	if (o < *olen) {
		*flags = (uint8_t)(*flags | UDP_FLAG_OUT_CUT);
	}
	if (e < *elen) {
		*flags = (uint8_t)(*flags | UDP_FLAG_ERR_CUT);
	}
	*olen = o;
	*elen = e;
}

/*
 * The streams are moved with memmove and before anything else is written,
 * so a server may read a stream straight into its place in dst.  r's
 * datagram must not overlap dst: the key is derived from its H.
 *
 * Nr is fresh for every reply built because one k_rep can seal two
 * different replies: a server that lost its replay cache (a restart)
 * answers a replayed request again, with a clock-skew refusal.
 */
long
udp_rep_build(uint8_t *dst, size_t cap, const struct udp_req *r,
    const uint8_t psk[CRYPTO_KEYLEN], const uint8_t nr[UDP_NRLEN],
    const struct udp_reply *rep)
{
	struct udp_kdf	 kdf = { UDP_LABEL_REP, r->n, r->h, r->hlen, psk };
	uint8_t		*p;
	size_t		 room, plen;

	if (cap < UDP_REPOVERHEAD) {
		return -1;
	}
	room = cap - UDP_REPOVERHEAD;
	if (rep->olen > room || rep->elen > room - rep->olen ||
	    rep->olen > UINT32_MAX || rep->elen > UINT32_MAX ||
	    (size_t)LONG_MAX - UDP_REPOVERHEAD < rep->olen + rep->elen) {
		return -1;
	}
	p = dst + UDP_REPHDRLEN;
	plen = UDP_REPFIXED + rep->olen + rep->elen;
	if (rep->elen != 0) {
		memmove(p + 7 + rep->olen + 4, rep->err, rep->elen);
	}
	if (rep->olen != 0) {
		memmove(p + 7, rep->out, rep->olen);
	}
	p[0] = rep->how;
	p[1] = rep->code;
	p[2] = rep->flags;
	wire_put32(p + 3, (uint32_t)rep->olen);
	wire_put32(p + 7 + rep->olen, (uint32_t)rep->elen);
	memcpy(dst, magic_rep, UDP_MAGICLEN);
	memcpy(dst + UDP_MAGICLEN, r->n, UDP_NLEN);
	memcpy(dst + UDP_MAGICLEN + UDP_NLEN, nr, UDP_NRLEN);
	if (udp_aead(&kdf, 1, nr, dst, UDP_REPHDRLEN, p, plen) == -1) {
		crypto_wipe(p, plen);
		return -1;
	}
	return (long)(UDP_REPOVERHEAD + rep->olen + rep->elen);
}

enum wire_status
udp_rep_open(uint8_t *dgram, size_t len, const uint8_t n[UDP_NLEN],
    const uint8_t *h, size_t hlen, const uint8_t psk[CRYPTO_KEYLEN],
    struct udp_reply *rep)
{
	struct udp_kdf	 kdf = { UDP_LABEL_REP, n, h, hlen, psk };
	uint8_t		*p = dgram + UDP_REPHDRLEN;
	size_t		 plen, olen, elen;

	memset(rep, 0, sizeof(*rep));
	if (len < UDP_REPOVERHEAD ||
	    memcmp(dgram, magic_rep, UDP_MAGICLEN) != 0 ||
	    memcmp(dgram + UDP_MAGICLEN, n, UDP_NLEN) != 0) {
		return WIRE_BAD;
	}
	plen = len - UDP_REPHDRLEN - CRYPTO_TAGLEN;
	if (udp_aead(&kdf, 0, dgram + UDP_MAGICLEN + UDP_NLEN, dgram,
	    UDP_REPHDRLEN, p, plen) == -1) {
		return WIRE_BAD;
	}
	/* Authentic; the two lengths must still fill it exactly. */
	olen = wire_get32(p + 3);
	if (plen - UDP_REPFIXED < olen) {
		return WIRE_BAD;
	}
	elen = wire_get32(p + 7 + olen);
	if (plen - UDP_REPFIXED - olen != elen) {
		return WIRE_BAD;
	}
	rep->how = p[0];
	rep->code = p[1];
	rep->flags = p[2];
	rep->out = p + 7;
	rep->olen = olen;
	rep->err = p + 7 + olen + 4;
	rep->elen = elen;
	return WIRE_OK;
}
