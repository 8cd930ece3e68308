/*
 * fuzz_udp: the UDP datagrams' decoders on arbitrary bytes.  The first
 * byte picks one: 0 the server's side, udp_req_parse and udp_req_open
 * (and, for a request that opens, a reply to it that must open back);
 * 1 the client's side, udp_rep_open for the vectors' request; 2 a round
 * trip, the rest sealed as a request's TLV list and opened back.  The
 * PSK, N and H are the vectors', so the vectors' request and reply are
 * seeds that reach the success paths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "udp.h"
#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t	psk[CRYPTO_KEYLEN] = {
	0xfb, 0x0b, 0x24, 0x82, 0x6c, 0xd3, 0xaa, 0xfe, 0x03, 0x03, 0x19,
	0x52, 0xd9, 0x6b, 0x51, 0x07, 0xd1, 0x91, 0x54, 0xec, 0x99, 0xad,
	0xcc, 0x55, 0x15, 0x79, 0x0c, 0x57, 0xee, 0xe2, 0xd4, 0x7a
};
static const uint8_t	vn[UDP_NLEN] = {
	0xb5, 0xd3, 0x6c, 0xeb, 0x28, 0x63, 0xa7, 0xbb, 0xb4, 0x10, 0x44,
	0xea, 0x62, 0x30, 0x4f, 0xd7
};
static const uint8_t	vnr[UDP_NRLEN] = {
	0x67, 0x6e, 0x37, 0x75, 0x96, 0x6c, 0x4b, 0xb9, 0x3e, 0xc0, 0xdb,
	0xec
};
/* The vectors' H: "ops@example", "web3.example.com", ts, max_reply. */
static const uint8_t	vh[] = {
	0x52, 0x53, 0x55, 0x01, 0x0b, 'o', 'p', 's', '@', 'e', 'x', 'a',
	'm', 'p', 'l', 'e', 0x10, 'w', 'e', 'b', '3', '.', 'e', 'x', 'a',
	'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0xb5, 0xd3, 0x6c, 0xeb,
	0x28, 0x63, 0xa7, 0xbb, 0xb4, 0x10, 0x44, 0xea, 0x62, 0x30, 0x4f,
	0xd7, 0x00, 0x00, 0x01, 0xa1, 0xee, 0x56, 0x5e, 0x7b, 0x05, 0x78
};

#define MAXDGRAM	(UDP_MAXV6 + 1)

static uint8_t	buf[MAXDGRAM], rep[MAXDGRAM];

/*
 * A request that opened: its fields lie inside it, and a reply to it
 * carrying the payload as stdout and the key id as stderr, cut to the
 * reply's limit, opens back to the same.
 */
static void
reply_to(const struct udp_req *r, size_t len)
{
	struct udp_reply	want, got;
	size_t			lim;
	long			n;

	if (r->hlen + r->sealedlen != len || r->payload != r->sealed ||
	    r->paylen + CRYPTO_TAGLEN != r->sealedlen ||
	    r->max_reply < UDP_MINREPLY || r->idlen == 0 ||
	    r->idlen > UDP_MAXIDLEN || r->namelen == 0 ||
	    r->hlen != udp_req_hdrlen(r->idlen, r->namelen)) {
		abort();
	}
	memset(&want, 0, sizeof(want));
	want.how = EXIT_HOW_EXITED;
	want.out = r->payload;
	want.olen = r->paylen;
	want.err = (const uint8_t *)r->keyid;
	want.elen = r->idlen;
	lim = udp_reply_limit(r->max_reply, UDP_MAXV4, len);
	udp_cut(lim - UDP_REPOVERHEAD, &want.olen, &want.elen, &want.flags);
	if ((n = udp_rep_build(rep, lim, r, psk, vnr, &want)) < 0 ||
	    (size_t)n > lim ||
	    udp_rep_open(rep, (size_t)n, r->n, r->h, r->hlen, psk, &got) !=
	    WIRE_OK || got.olen != want.olen || got.elen != want.elen ||
	    got.flags != want.flags ||
	    (got.olen != 0 && memcmp(got.out, want.out, got.olen) != 0) ||
	    (got.elen != 0 && memcmp(got.err, want.err, got.elen) != 0)) {
		abort();
	}
}

static void
server_side(const uint8_t *data, size_t size)
{
	struct udp_req	r;

	if (size > sizeof(buf)) {
		return;
	}
	memcpy(buf, data, size);
	if (udp_req_parse(buf, size, &r) == WIRE_OK &&
	    udp_req_open(&r, psk) == WIRE_OK) {
		reply_to(&r, size);
	}
}

static void
client_side(const uint8_t *data, size_t size)
{
	struct udp_reply	got;

	if (size > sizeof(buf)) {
		return;
	}
	memcpy(buf, data, size);
	if (udp_rep_open(buf, size, vn, vh, sizeof(vh), psk, &got) !=
	    WIRE_OK) {
		return;
	}
	if (got.out != buf + UDP_REPHDRLEN + 7 ||
	    got.err != got.out + got.olen + 4 ||
	    UDP_REPOVERHEAD + got.olen + got.elen != size) {
		abort();
	}
}

static void
round_trip(const uint8_t *data, size_t size)
{
	struct udp_req	r;
	long		n;

	n = udp_req_build(buf, sizeof(buf), "ops@example", "web3.example.com",
	    vn, 1795000000123ULL, 1400, psk, data, size);
	if (n < 0) {
		if (size <= sizeof(buf) - sizeof(vh) - CRYPTO_TAGLEN) {
			abort();
		}
		return;
	}
	if (memcmp(buf, vh, sizeof(vh)) != 0 ||
	    udp_req_parse(buf, (size_t)n, &r) != WIRE_OK ||
	    udp_req_open(&r, psk) != WIRE_OK || r.paylen != size ||
	    (size != 0 && memcmp(r.payload, data, size) != 0)) {
		abort();
	}
	reply_to(&r, (size_t)n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	switch (data[0] % 3) {
	case 0:
		server_side(data + 1, size - 1);
		break;
	case 1:
		client_side(data + 1, size - 1);
		break;
	default:
		round_trip(data + 1, size - 1);
		break;
	}
	return 0;
}
