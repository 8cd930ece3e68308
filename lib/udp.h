/*
 * udp: the UDP variant's datagrams (PROTOCOL.md, "UDP: one datagram each
 * way"): pure codecs over caller-owned buffers.  No sockets, no clocks,
 * no printing, no randomness (N and Nr come from the caller).
 */
#ifndef RSH_UDP_H
#define RSH_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "wire.h"

#define UDP_NLEN	16	/* the request's N */
#define UDP_NRLEN	12	/* the reply's Nr (a GCM nonce) */
#define UDP_MINREPLY	512	/* a smaller max_reply gets no reply */
#define UDP_MAXV4	65507	/* largest UDP payload over IPv4 */
#define UDP_MAXV6	65527	/* over IPv6 */
#define UDP_MAXIDLEN	64
#define UDP_MAXNAMELEN	255
/* H's largest size: magic, idlen, keyid, namelen, name, N, ts, max_reply. */
#define UDP_HDRMAX	(4 + 1 + UDP_MAXIDLEN + 1 + UDP_MAXNAMELEN + \
			 UDP_NLEN + 8 + 2)
/* R: "RSU" 0x81, N, Nr. */
#define UDP_REPHDRLEN	(4 + UDP_NLEN + UDP_NRLEN)
/* Bytes a reply adds around stdout and stderr: R, how, code, flags, the
 * two u32 lengths and the tag. */
#define UDP_REPOVERHEAD	(UDP_REPHDRLEN + 3 + 4 + 4 + CRYPTO_TAGLEN)

/* Reply flags. */
#define UDP_FLAG_OUT_CUT	0x1u
#define UDP_FLAG_ERR_CUT	0x2u

/* A request datagram, parsed in place: every pointer is into it. */
struct udp_req {
	const uint8_t	*h;		/* H, for the keys and the AAD */
	size_t		 hlen;
	const char	*keyid;		/* idlen bytes, not NUL-terminated */
	size_t		 idlen;
	const char	*name;		/* namelen bytes, not NUL-terminated */
	size_t		 namelen;
	const uint8_t	*n;		/* N, UDP_NLEN bytes */
	uint64_t	 ts_ms;
	uint16_t	 max_reply;
	uint8_t		*sealed;	/* after H: ciphertext and tag */
	size_t		 sealedlen;
	uint8_t		*payload;	/* after udp_req_open(): the TLV list */
	size_t		 paylen;
};

/* A reply's fields; out and err point into the caller's memory. */
struct udp_reply {
	uint8_t		 how, code, flags;
	const uint8_t	*out;
	size_t		 olen;
	const uint8_t	*err;
	size_t		 elen;
};

/*
 * Parses a request's header without any cryptography.  WIRE_OK with *r
 * filled; WIRE_BAD for anything else: too short for H and a tag, another
 * magic, idlen outside 1..64, a key id byte outside the set, namelen 0, or
 * max_reply below UDP_MINREPLY.  Never reads outside dgram[0..len).
 */
enum wire_status udp_req_parse(uint8_t *dgram, size_t len,
		    struct udp_req *r);

/*
 * Opens a parsed request with the key's PSK, decrypting in place.  WIRE_OK
 * with r->payload and r->paylen set; WIRE_BAD when the tag does not verify
 * (the ciphertext is then garbage).  The derived key is wiped.
 */
enum wire_status udp_req_open(struct udp_req *r,
		    const uint8_t psk[CRYPTO_KEYLEN]);

/* The length of H for a key id and a name of these lengths. */
size_t	udp_req_hdrlen(size_t idlen, size_t namelen);

/*
 * How many PAD value bytes a request with an H of hlen bytes and a TLV
 * list of tlvlen bytes needs to reach max_reply / 3 in all, for
 * wire_exec_encode()'s padlen: 0 when it is big enough without one.
 */
size_t	udp_req_padlen(size_t hlen, size_t tlvlen, uint16_t max_reply);

/*
 * Builds a request into out[0..cap): H from the fields, then the TLV list
 * tlv[0..tlvlen) sealed under k_req.  tlv may not overlap out.  Returns
 * the datagram's length, or -1 when the key id or name is invalid or it
 * does not fit.  max_reply is not checked: a server drops a request whose
 * max_reply is below UDP_MINREPLY, and tests send one to see that.
 */
long	udp_req_build(uint8_t *out, size_t cap, const char *keyid,
	    const char *name, const uint8_t n[UDP_NLEN], uint64_t ts_ms,
	    uint16_t max_reply, const uint8_t psk[CRYPTO_KEYLEN],
	    const uint8_t *tlv, size_t tlvlen);

/*
 * The largest reply the server may send: min(max_reply, server_limit,
 * 3 x reqlen).
 */
size_t	udp_reply_limit(size_t max_reply, size_t server_limit, size_t reqlen);

/*
 * Cuts stdout and stderr to fit budget bytes of output (a reply's limit
 * less UDP_REPOVERHEAD): stderr keeps up to a quarter of the budget, or
 * more when stdout leaves room; stdout gets what stderr leaves.  Sets the
 * matching UDP_FLAG_* bits in *flags for what was cut.  Kept: the first
 * bytes of each stream.
 */
void	udp_cut(size_t budget, size_t *olen, size_t *elen, uint8_t *flags);

/*
 * Builds the reply to r into dst[0..cap): R with N and nr, then the fields
 * sealed under k_rep.  Returns the datagram's length, or -1 when it does
 * not fit or the crypto fails.  The caller fits rep to its limit first
 * (udp_cut).
 */
long	udp_rep_build(uint8_t *dst, size_t cap, const struct udp_req *r,
	    const uint8_t psk[CRYPTO_KEYLEN], const uint8_t nr[UDP_NRLEN],
	    const struct udp_reply *rep);

/*
 * Opens a reply datagram in place for the request whose N is n and whose
 * header is h[0..hlen).  WIRE_OK with *rep pointing into dgram; WIRE_BAD
 * when it does not parse, names another N, fails to open, or its lengths
 * do not exactly fill the plaintext (a client then keeps waiting).
 */
enum wire_status udp_rep_open(uint8_t *dgram, size_t len,
		    const uint8_t n[UDP_NLEN], const uint8_t *h, size_t hlen,
		    const uint8_t psk[CRYPTO_KEYLEN], struct udp_reply *rep);

#endif
