/*
 * fuzz_handshake: the handshake parsers on arbitrary bytes.  The first
 * byte picks one: 0 the server reading C1 (then Tc is checked and S2
 * made), 1 the client reading S1 or a refusal, 2 the client reading S2.
 * The two sides start from the vectors' fixed inputs, so the vectors'
 * C1 and S2 are seeds that reach the success paths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "handshake.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t	psk[32] = {
	0xfb, 0x0b, 0x24, 0x82, 0x6c, 0xd3, 0xaa, 0xfe, 0x03, 0x03, 0x19,
	0x52, 0xd9, 0x6b, 0x51, 0x07, 0xd1, 0x91, 0x54, 0xec, 0x99, 0xad,
	0xcc, 0x55, 0x15, 0x79, 0x0c, 0x57, 0xee, 0xe2, 0xd4, 0x7a
};
static const uint8_t	vns[32] = {
	0x27, 0x8e, 0xb3, 0x58, 0x2b, 0xaa, 0x8b, 0x36, 0x57, 0x2d, 0x17,
	0x1e, 0xe7, 0xbc, 0x02, 0xad, 0x73, 0xfa, 0x26, 0x2e, 0xe6, 0x8a,
	0x1b, 0xe9, 0x88, 0x49, 0xa0, 0x4c, 0x63, 0xef, 0xb4, 0xdd
};
static const uint8_t	vspriv[32] = {
	0xd4, 0x1c, 0xea, 0x7d, 0x82, 0x88, 0x39, 0x9e, 0x19, 0x6d, 0x22,
	0xe8, 0x4e, 0xb4, 0x70, 0xd9, 0x20, 0x86, 0x72, 0x24, 0xd3, 0x4a,
	0x9c, 0xfa, 0x46, 0x89, 0x9d, 0xc3, 0x34, 0xf8, 0x4c, 0x80
};
static const uint8_t	vs1[68] = {
	0x52, 0x53, 0x48, 0x01, 0x27, 0x8e, 0xb3, 0x58, 0x2b, 0xaa, 0x8b,
	0x36, 0x57, 0x2d, 0x17, 0x1e, 0xe7, 0xbc, 0x02, 0xad, 0x73, 0xfa,
	0x26, 0x2e, 0xe6, 0x8a, 0x1b, 0xe9, 0x88, 0x49, 0xa0, 0x4c, 0x63,
	0xef, 0xb4, 0xdd, 0x95, 0x4c, 0x38, 0x2d, 0x40, 0x03, 0xdd, 0x62,
	0x2a, 0xa6, 0xec, 0x09, 0xe0, 0x41, 0x2d, 0xbb, 0xf4, 0x06, 0x2d,
	0x77, 0x93, 0x1f, 0xc2, 0x6b, 0x8d, 0xce, 0x54, 0x74, 0xe5, 0x03,
	0x7b, 0x51
};
static const uint8_t	vnc[32] = {
	0x11, 0x43, 0x4a, 0xc9, 0xc1, 0x4c, 0x8b, 0x30, 0x02, 0xd1, 0x2f,
	0x8c, 0x93, 0x85, 0xa5, 0x55, 0x36, 0x37, 0x85, 0x29, 0xb2, 0xfc,
	0xe4, 0xf3, 0x5e, 0x75, 0xdd, 0x03, 0xbf, 0xb0, 0x2a, 0x84
};
static const uint8_t	vcpriv[32] = {
	0x8b, 0x96, 0xbd, 0x03, 0x46, 0xac, 0xf4, 0x76, 0x0a, 0x8a, 0x82,
	0x26, 0x59, 0xbc, 0x7c, 0xea, 0xc6, 0x2b, 0x4c, 0x18, 0x6e, 0x3c,
	0x1d, 0x32, 0x4a, 0xfc, 0x14, 0x6e, 0xa3, 0x73, 0xee, 0x78
};

static struct hs_server	server0;
static struct hs_client	client0;
static int		ready;

/* X25519 is slow next to parsing: make both sides once, copy them. */
static void
setup(void)
{
	struct hs_keys		keys;
	struct hs_refusal	ref;
	size_t			used;

	if (hs_server_init(&server0, vns, crypto_x25519_new(vspriv)) == -1 ||
	    hs_client_read_s1(&client0, vs1, sizeof(vs1), &used, &ref) !=
	    WIRE_OK || hs_client_init(&client0, psk, "ops@example",
	    "web3.example.com", vnc, crypto_x25519_new(vcpriv),
	    &keys) == -1) {
		abort();
	}
	ready = 1;
}

/* A message that parses must be "incomplete" one byte shorter. */
static void
server_c1(const uint8_t *data, size_t size)
{
	struct hs_server	hs = server0;
	struct hs_keys		keys;
	uint8_t			s2[HS_S2LEN];
	size_t			used = 0, u;

	/* The copy may not free server0's key: it gets its own for S2. */
	hs.key = NULL;
	if (hs_server_read_c1(&hs, data, size, &used) != WIRE_OK) {
		return;
	}
	if (used > size || used > HS_C1MAX ||
	    hs_server_read_c1(&hs, data, used - 1, &u) != WIRE_INCOMPLETE ||
	    hs.namelen == 0 || strlen(hs.keyid) == 0) {
		abort();
	}
	if (hs_server_verify(&hs, psk) == 0) {
		if ((hs.key = crypto_x25519_new(vspriv)) == NULL ||
		    hs_server_finish(&hs, HS_OK, s2, &keys) != HS_S2LEN) {
			abort();
		}
	} else if (hs_server_finish(&hs, HS_AUTH_FAILED, s2, &keys) != 1) {
		abort();
	}
	hs_server_clear(&hs);
}

static void
client_s1(const uint8_t *data, size_t size)
{
	struct hs_client	hs;
	struct hs_refusal	ref;
	size_t			used = 0, u;
	enum wire_status	st;

	st = hs_client_read_s1(&hs, data, size, &used, &ref);
	if (st != WIRE_OK && st != WIRE_TOOBIG) {
		return;
	}
	if (used > size || used > HS_REFUSALMAX ||
	    hs_client_read_s1(&hs, data, used - 1, &u, &ref) !=
	    WIRE_INCOMPLETE) {
		abort();
	}
}

static void
client_s2(const uint8_t *data, size_t size)
{
	struct hs_client	hs = client0;
	size_t			used = 0;
	uint8_t			status;
	enum wire_status	st;

	st = hs_client_read_s2(&hs, data, size, &used, &status);
	if (st != WIRE_INCOMPLETE && (used > size || used == 0 ||
	    (st == WIRE_OK && status != HS_OK))) {
		abort();
	}
	hs_client_clear(&hs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	if (!ready) {
		setup();
	}
	switch (data[0] % 3) {
	case 0:
		server_c1(data + 1, size - 1);
		break;
	case 1:
		client_s1(data + 1, size - 1);
		break;
	default:
		client_s2(data + 1, size - 1);
		break;
	}
	return 0;
}
