/*
 * fuzz_record: wire_open over arbitrary bytes as a stream of records.
 *
 * A forged tag never verifies, so random input alone would only exercise
 * the length checks; the first byte can also ask to seal the rest as a
 * payload and open it back, which reaches the success path and checks
 * the round trip and the key update.
 *
 * First byte: bit 0 open (1) or round trip (0); bits 1-2 the starting
 * sequence number (0, 1, 2^24, 2^64-1); bit 3 the key (the vectors'
 * k_c2s or k_s2c, so their records are good seeds); the rest the type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t	keys[2][CRYPTO_KEYLEN] = {
	{ 0x27, 0xd6, 0xa3, 0x76, 0xaf, 0xc0, 0x7e, 0x38, 0x42, 0xb2, 0xdb,
	  0xee, 0xca, 0xc9, 0x6d, 0xca, 0xc4, 0x49, 0x21, 0xee, 0x1f, 0xe9,
	  0x22, 0xe3, 0xc1, 0x45, 0x28, 0x06, 0x37, 0x9c, 0xce, 0x33 },
	{ 0x64, 0xf1, 0xa4, 0x72, 0xe9, 0x8c, 0x95, 0x48, 0x32, 0xa3, 0x70,
	  0xc2, 0x42, 0x62, 0x93, 0xb3, 0xac, 0x04, 0x77, 0x49, 0xaf, 0x93,
	  0xc7, 0x7a, 0x4d, 0x72, 0x51, 0x5f, 0x80, 0x37, 0x24, 0x27 }
};

static const uint64_t	seqs[4] = { 0, 1, (uint64_t)1 << 24, UINT64_MAX };

static uint8_t		buf[4 * WIRE_MAXRECORD];

/* Opens records from buf until one does not open. */
static void
open_stream(const uint8_t *key, uint64_t seq, const uint8_t *data,
    size_t size)
{
	struct wire_dir		*d;
	size_t			 off = 0, used, len;
	uint8_t			 type, *p;

	if (size > sizeof(buf) || (d = wire_dir_new(key, seq, 0)) == NULL) {
		return;
	}
	memcpy(buf, data, size);
	while (wire_open(d, buf + off, size - off, &used, &type, &p,
	    &len) == WIRE_OK) {
		if (used > size - off || p + len != buf + off + used -
		    CRYPTO_TAGLEN) {
			abort();
		}
		(void)wire_check_c2s(type, len);
		(void)wire_check_s2c(type, len);
		off += used;
	}
	wire_dir_free(d);
}

/*
 * Seals data as one record and opens it back; then the same record again
 * must be refused as a replay, and after seq 2^64-1 nothing is sealed.
 */
static void
round_trip(const uint8_t *key, uint64_t seq, uint8_t type,
    const uint8_t *data, size_t size)
{
	static uint8_t		 copy[WIRE_MAXRECORD];
	struct wire_dir		*s, *o;
	size_t			 used, len;
	uint8_t			 t, *p;
	long			 n;

	if (size > WIRE_MAXPAYLOAD) {
		size = WIRE_MAXPAYLOAD;
	}
	s = wire_dir_new(key, seq, 1);
	o = wire_dir_new(key, seq, 0);
	if (s != NULL && o != NULL) {
		memcpy(buf + WIRE_PAYLOADOFF, data, size);
		n = wire_seal(s, type, buf, size);
		if (n != (long)(size + WIRE_OVERHEAD)) {
			abort();
		}
		memcpy(copy, buf, (size_t)n);
		if (wire_open(o, buf, (size_t)n, &used, &t, &p, &len) !=
		    WIRE_OK || used != (size_t)n || t != type || len != size ||
		    memcmp(p, data, size) != 0) {
			abort();
		}
		if (wire_open(o, copy, (size_t)n, &used, &t, &p, &len) !=
		    WIRE_BAD) {
			abort();
		}
		if ((wire_seal(s, type, buf, 0) == -1) != (seq == UINT64_MAX)) {
			abort();
		}
	}
	wire_dir_free(s);
	wire_dir_free(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*key;
	uint64_t	 seq;
	uint8_t		 mode;

	if (size < 1) {
		return 0;
	}
	mode = data[0];
	key = keys[(mode >> 3) & 1];
	seq = seqs[(mode >> 1) & 3];
	if (mode & 1) {
		open_stream(key, seq, data + 1, size - 1);
	} else {
		round_trip(key, seq, mode >> 4, data + 1, size - 1);
	}
	return 0;
}
