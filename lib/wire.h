/*
 * wire: the protocol's pure codecs (protocol-v1.md, "TCP: records" and
 * "EXEC payload").  No sockets, no printing.
 */
#ifndef RSH_WIRE_H
#define RSH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/* What a decoder says: "need more bytes" is never confused with "hostile". */
enum wire_status {
	WIRE_OK = 0,
	WIRE_INCOMPLETE,	/* not enough bytes yet */
	WIRE_TOOBIG,		/* a length beyond what the protocol allows */
	WIRE_BAD		/* malformed, forged or out of order */
};

#define WIRE_HDRLEN	4		/* u32 n */
#define WIRE_MAXPAYLOAD	65536
#define WIRE_MINSEALED	(1 + CRYPTO_TAGLEN)			/* 17 */
#define WIRE_MAXSEALED	(1 + WIRE_MAXPAYLOAD + CRYPTO_TAGLEN)	/* 65553 */
/* Where a record's payload starts, and a whole record's largest size. */
#define WIRE_PAYLOADOFF	(WIRE_HDRLEN + 1)
#define WIRE_MAXRECORD	(WIRE_HDRLEN + WIRE_MAXSEALED)
/* Bytes a record adds around its payload. */
#define WIRE_OVERHEAD	(WIRE_PAYLOADOFF + CRYPTO_TAGLEN)

/* Key update interval: before each non-zero multiple of 2^24. */
#define WIRE_REKEY_EVERY	((uint64_t)1 << 24)

/* Record types, client to server. */
enum {
	REC_EXEC = 0x01,
	REC_STDIN = 0x02,
	REC_STDIN_EOF = 0x03,
	REC_SIGNAL = 0x04,
	REC_WINCH = 0x05,
	REC_PING = 0x06,
	REC_BYE = 0x07,
	REC_PAD_C = 0x08
};

/* Record types, server to client. */
enum {
	REC_STARTED = 0x81,
	REC_STDOUT = 0x82,
	REC_STDERR = 0x83,
	REC_EXIT = 0x84,
	REC_WINDOW = 0x85,
	REC_ERROR = 0x86,
	REC_PONG = 0x87,
	REC_PAD_S = 0x88
};

/* SIGNAL payload values. */
enum {
	WIRE_SIG_HUP = 1, WIRE_SIG_INT = 2, WIRE_SIG_QUIT = 3,
	WIRE_SIG_KILL = 9, WIRE_SIG_TERM = 15
};

/* EXIT how. */
enum { EXIT_HOW_EXITED = 0, EXIT_HOW_SIGNALED = 1, EXIT_HOW_NOTSTARTED = 2,
	EXIT_HOW_CLOCKSKEW = 3 };

/* ERROR codes. */
enum {
	ERR_BAD_REQUEST = 1, ERR_DENIED = 2, ERR_EXEC_FAILED = 3, ERR_BUSY = 4,
	ERR_TIMEOUT = 5, ERR_SHUTDOWN = 6, ERR_INTERNAL = 7, ERR_OUTPUT_CUT = 8
};
#define WIRE_MAXERRTEXT	1024

/* EXEC FLAGS bits. */
#define EXEC_FLAG_SHELL		0x1u
#define EXEC_FLAG_PTY		0x2u
#define EXEC_FLAG_NO_STDIN	0x4u
#define EXEC_FLAGS_KNOWN	0x7u

/* EXEC TLV tags. */
enum {
	TLV_ARG = 0x01, TLV_ENV = 0x02, TLV_CWD = 0x03, TLV_TIMEOUT = 0x04,
	TLV_FLAGS = 0x05, TLV_PTY_SIZE = 0x06, TLV_STDIN_DATA = 0x07,
	TLV_ACCOUNT = 0x08,	/* an rsh extension: docs/PROTOCOL.md */
	TLV_PAD = 0xFF
};
#define WIRE_ACCOUNTMAX	32	/* ACCOUNT's bytes, at most */

/* Big-endian integer helpers. */
void		wire_put16(uint8_t *, uint16_t);
void		wire_put32(uint8_t *, uint32_t);
void		wire_put64(uint8_t *, uint64_t);
uint16_t	wire_get16(const uint8_t *);
uint32_t	wire_get32(const uint8_t *);
uint64_t	wire_get64(const uint8_t *);

/*
 * One direction of a connection: its current key, its next sequence
 * number and a reusable AES-GCM context.  Opaque.
 */
struct wire_dir;

/*
 * A direction keyed with key (copied; the caller wipes its own copy) whose
 * next record has sequence number seq (0 on a new connection; tests start
 * elsewhere to reach a key update).  When seq is a non-zero multiple of
 * 2^24, key is the one in force before the update that record triggers.
 * After the record with seq 2^64-1 the direction refuses every record.
 * encrypt: 1 to seal, 0 to open.  NULL on failure.
 */
struct wire_dir	*wire_dir_new(const uint8_t key[CRYPTO_KEYLEN], uint64_t seq,
		    int encrypt);
/* Frees and wipes; NULL does nothing. */
void		 wire_dir_free(struct wire_dir *);

/*
 * Seals one record in place.  The caller has written the payload at
 * rec + WIRE_PAYLOADOFF; rec has room for len + WIRE_OVERHEAD bytes.
 * Writes the length, the type and the tag, encrypts, advances the sequence
 * number (updating the key first when due) and returns the whole record's
 * length, or -1 (len too large, sequence exhausted, crypto failure).
 */
long	wire_seal(struct wire_dir *, uint8_t type, uint8_t *rec, size_t len);

/*
 * Opens the record at the start of buf[0..have), decrypting in place.
 * WIRE_INCOMPLETE: fewer bytes than the record needs (nothing consumed);
 * WIRE_TOOBIG: n outside 17..65553; WIRE_BAD: the tag does not verify.
 * On WIRE_OK: *used is the record's whole length, *type its type and
 * *payload / *len point into buf.  The sequence number advances only on
 * WIRE_OK.  After TOOBIG or BAD the connection must be closed.
 */
enum wire_status wire_open(struct wire_dir *, uint8_t *buf, size_t have,
		    size_t *used, uint8_t *type, uint8_t **payload, size_t *len);

/*
 * Whether a record of this type and payload length may arrive at a server
 * (wire_check_c2s) or at a client (wire_check_s2c): WIRE_OK or WIRE_BAD
 * (unknown type, payload of the wrong size).  Order is the caller's job.
 */
enum wire_status wire_check_c2s(uint8_t type, size_t len);
enum wire_status wire_check_s2c(uint8_t type, size_t len);

/* A decoded or to-be-encoded EXEC request. */
struct wire_exec {
	char		**argv;		/* argc strings, then NULL */
	size_t		  argc;
	char		**env;		/* envc "NAME=value" strings, then NULL */
	size_t		  envc;
	const char	 *cwd;		/* NULL: not given */
	int		  has_timeout;
	uint32_t	  timeout_ms;
	int		  has_flags;
	uint32_t	  flags;
	int		  has_pty_size;
	uint16_t	  rows, cols;
	const uint8_t	 *stdin_data;	/* UDP only; NULL: not given */
	size_t		  stdin_len;
	const char	 *account;	/* ACCOUNT; NULL: not given, the
					 * key's first account */
};

enum { WIRE_TCP = 0, WIRE_UDP = 1 };

/*
 * Decodes an EXEC payload received over transport (WIRE_TCP or WIRE_UDP)
 * following every rule of "EXEC payload".  On WIRE_OK *out is one
 * allocation the caller frees with wire_exec_free().  On WIRE_BAD *why is a
 * static sentence saying what is wrong (for ERROR BAD_REQUEST) and *out is
 * NULL; when memory runs out the sentence is "out of memory".  Never
 * returns WIRE_INCOMPLETE.  Beyond the spec's list: SHELL with more than
 * one ARG is refused ("SHELL takes exactly one ARG"), and the ACCOUNT
 * extension (1 to WIRE_ACCOUNTMAX bytes, no NUL, at most once) is read.
 */
enum wire_status wire_exec_decode(const uint8_t *p, size_t len, int transport,
		    struct wire_exec **out, const char **why);
void		 wire_exec_free(struct wire_exec *);

/*
 * Encodes e as a TLV list into out[0..cap): ARGs, ENVs, CWD, TIMEOUT and
 * FLAGS (when has_*), PTY_SIZE, STDIN_DATA, ACCOUNT, in that order; then,
 * when padlen is not 0, one PAD TLV of padlen zero bytes.  Returns the
 * length, or -1 when it does not fit.  ACCOUNT goes out only when
 * e->account is not NULL, so a request without one is plain v1.
 */
long	wire_exec_encode(const struct wire_exec *e, uint8_t *out, size_t cap,
	    size_t padlen);

/*
 * For a request wire_exec_encode() could not fit in cap bytes: a sentence
 * in out saying by how much it is too large and what takes the room, the
 * largest part first ("the request is 103361 bytes too large (at most
 * 65536): the environment (10000 -e variables) 168894 bytes, the command
 * and its arguments 3").
 */
void	wire_exec_toolarge(const struct wire_exec *e, size_t cap, char *out,
	    size_t outlen);

#endif
