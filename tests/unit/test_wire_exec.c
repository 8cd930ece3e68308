/*
 * test_wire_exec: the EXEC TLV codec against vectors-v1.json, every rule
 * of the spec's "EXEC payload" section, every truncation, and random
 * input that must never crash and must round-trip when it decodes.
 * Runs in tests/vectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "wire.h"

#include "check.h"
#include "vec.h"

#define MAXP	70000

static char	*json;

/* Appends a TLV to b at *off. */
static void
tlv(uint8_t *b, size_t *off, uint8_t tag, const void *v, size_t n)
{
	b[*off] = tag;
	wire_put32(b + *off + 1, (uint32_t)n);
	if (n != 0) {
		memcpy(b + *off + 5, v, n);
	}
	*off += 5 + n;
}

static void
tlv32(uint8_t *b, size_t *off, uint8_t tag, uint32_t v)
{
	uint8_t	x[4];

	wire_put32(x, v);
	tlv(b, off, tag, x, 4);
}

/* 1 when a and b describe the same request. */
static int
same_exec(const struct wire_exec *a, const struct wire_exec *b)
{
	size_t	i;

	if (a->argc != b->argc || a->envc != b->envc ||
	    a->has_timeout != b->has_timeout || a->has_flags != b->has_flags ||
	    a->has_pty_size != b->has_pty_size ||
	    (a->cwd == NULL) != (b->cwd == NULL) ||
	    (a->stdin_data == NULL) != (b->stdin_data == NULL) ||
	    (a->account == NULL) != (b->account == NULL) ||
	    (a->account != NULL && strcmp(a->account, b->account) != 0)) {
		return 0;
	}
	for (i = 0; i < a->argc; i++) {
		if (strcmp(a->argv[i], b->argv[i]) != 0) {
			return 0;
		}
	}
	for (i = 0; i < a->envc; i++) {
		if (strcmp(a->env[i], b->env[i]) != 0) {
			return 0;
		}
	}
	if (a->argv[a->argc] != NULL || a->env[a->envc] != NULL ||
	    (a->cwd != NULL && strcmp(a->cwd, b->cwd) != 0) ||
	    (a->has_timeout && a->timeout_ms != b->timeout_ms) ||
	    (a->has_flags && a->flags != b->flags) ||
	    (a->has_pty_size && (a->rows != b->rows || a->cols != b->cols))) {
		return 0;
	}
	return a->stdin_data == NULL || (a->stdin_len == b->stdin_len &&
	    (a->stdin_len == 0 ||
	    memcmp(a->stdin_data, b->stdin_data, a->stdin_len) == 0));
}

/* Decodes p and expects WIRE_BAD for a reason that mentions want. */
static void
bad(const uint8_t *p, size_t len, int transport, const char *want, int line)
{
	static struct wire_exec	 sentinel;
	struct wire_exec	*e = &sentinel;
	const char		*why = NULL;
	enum wire_status	 st;

	st = wire_exec_decode(p, len, transport, &e, &why);
	if (st != WIRE_BAD || e != NULL || why == NULL ||
	    strstr(why, want) == NULL) {
		fprintf(stderr, "line %d: expected WIRE_BAD (%s), "
		    "got %d (%s)\n", line, want, st,
		    why != NULL ? why : "no reason");
	}
	CHECK_EQ(st, WIRE_BAD);
	CHECK(e == NULL);
	CHECK(why != NULL && strstr(why, want) != NULL);
	if (st == WIRE_OK) {
		wire_exec_free(e);
	}
}

/* Decodes p and expects WIRE_OK; the caller frees. */
static struct wire_exec *
good(const uint8_t *p, size_t len, int transport, int line)
{
	struct wire_exec	*e = NULL;
	const char		*why = NULL;

	if (wire_exec_decode(p, len, transport, &e, &why) != WIRE_OK) {
		fprintf(stderr, "line %d: refused: %s\n", line,
		    why != NULL ? why : "(no reason)");
		CHECK(e != NULL);
		return NULL;
	}
	CHECK(e != NULL);
	return e;
}

#define BAD(p, n, t, w)	bad((p), (n), (t), (w), __LINE__)
#define GOOD(p, n, t)	good((p), (n), (t), __LINE__)

/* A request from one "exec_payload_examples" entry. */
static void
example(size_t i)
{
	char			 path[96], args[4][64], envs[4][64], cwd[64];
	char			*argv[5], *env[5];
	struct wire_exec	 w, *e;
	uint8_t			 want[512], out[512];
	long			 n;
	long long		 v;

	memset(&w, 0, sizeof(w));
	for (w.argc = 0; w.argc < 4; w.argc++) {
		snprintf(path, sizeof(path),
		    "exec_payload_examples/%zu/args/%zu", i, w.argc);
		if (vec_str(json, path, args[w.argc], 64) < 0) {
			break;
		}
		argv[w.argc] = args[w.argc];
	}
	argv[w.argc] = NULL;
	for (w.envc = 0; w.envc < 4; w.envc++) {
		snprintf(path, sizeof(path),
		    "exec_payload_examples/%zu/env/%zu", i, w.envc);
		if (vec_str(json, path, envs[w.envc], 64) < 0) {
			break;
		}
		env[w.envc] = envs[w.envc];
	}
	env[w.envc] = NULL;
	w.argv = argv;
	w.env = env;
	snprintf(path, sizeof(path), "exec_payload_examples/%zu/cwd", i);
	w.cwd = vec_str(json, path, cwd, sizeof(cwd)) >= 0 ? cwd : NULL;
	snprintf(path, sizeof(path), "exec_payload_examples/%zu/timeout_ms", i);
	if ((v = vec_num(json, path)) >= 0) {
		w.has_timeout = 1;
		w.timeout_ms = (uint32_t)v;
	}
	snprintf(path, sizeof(path), "exec_payload_examples/%zu/flags", i);
	if ((v = vec_num(json, path)) >= 0) {
		w.has_flags = 1;
		w.flags = (uint32_t)v;
	}
	CHECK(w.argc > 0);
	snprintf(path, sizeof(path), "exec_payload_examples/%zu/payload", i);
	CHECK((n = vec_hex(json, path, want, sizeof(want))) > 0);
	CHECK_EQ(wire_exec_encode(&w, out, sizeof(out), 0), n);
	CHECK_MEM(out, want, n > 0 ? (size_t)n : 0);
	/* One byte short of room: refused, at every size below. */
	while (n > 0) {
		CHECK_EQ(wire_exec_encode(&w, out, (size_t)--n, 0), -1);
	}
	snprintf(path, sizeof(path), "exec_payload_examples/%zu/payload", i);
	n = vec_hex(json, path, want, sizeof(want));
	if ((e = GOOD(want, (size_t)n, WIRE_TCP)) != NULL) {
		CHECK(same_exec(&w, e));
		CHECK(same_exec(e, &w));
		wire_exec_free(e);
	}
}

/* The UDP payload and the PAD that makes a request big enough. */
static void
test_udp_payloads(void)
{
	struct wire_exec	 w, *e;
	char			*argv[] = { "uptime", NULL }, *env[] = { NULL };
	uint8_t			 want[600], out[600];
	long			 n;

	memset(&w, 0, sizeof(w));
	w.argv = argv;
	w.argc = 1;
	w.env = env;
	CHECK((n = vec_hex(json, "udp/payload", want, sizeof(want))) > 0);
	CHECK_EQ(wire_exec_encode(&w, out, sizeof(out), 0), n);
	CHECK_MEM(out, want, (size_t)n);
	CHECK((n = vec_hex(json, "udp/payload_with_pad_400", want,
	    sizeof(want))) > 0);
	CHECK_EQ(n, 11 + 5 + 400);
	CHECK_EQ(wire_exec_encode(&w, out, sizeof(out), 400), n);
	CHECK_MEM(out, want, (size_t)n);
	CHECK_EQ(wire_exec_encode(&w, out, (size_t)n - 1, 400), -1);
	if ((e = GOOD(want, (size_t)n, WIRE_UDP)) != NULL) {
		CHECK(same_exec(&w, e));
		wire_exec_free(e);
	}
}

/* Everything a request may carry, over each transport. */
static void
test_full(void)
{
	uint8_t			 b[256];
	size_t			 n = 0;
	struct wire_exec	*e;

	tlv(b, &n, TLV_ARG, "sh", 2);
	tlv(b, &n, TLV_ARG, "", 0);
	tlv(b, &n, TLV_ENV, "A=1", 3);
	tlv(b, &n, TLV_ENV, "AB=", 3);
	tlv(b, &n, TLV_ENV, "_x9=a=b", 7);
	tlv(b, &n, TLV_CWD, "/", 1);
	tlv32(b, &n, TLV_TIMEOUT, 0);
	tlv(b, &n, 0x80, "ignored", 7);
	tlv32(b, &n, TLV_FLAGS, EXEC_FLAG_PTY);
	tlv32(b, &n, TLV_PTY_SIZE, 0x00180050);
	tlv(b, &n, TLV_PAD, NULL, 0);
	if ((e = GOOD(b, n, WIRE_TCP)) != NULL) {
		CHECK_EQ(e->argc, 2);
		CHECK(strcmp(e->argv[0], "sh") == 0);
		CHECK(strcmp(e->argv[1], "") == 0);
		CHECK(e->argv[2] == NULL);
		CHECK_EQ(e->envc, 3);
		CHECK(strcmp(e->env[2], "_x9=a=b") == 0);
		CHECK(e->env[3] == NULL);
		CHECK(e->cwd != NULL && strcmp(e->cwd, "/") == 0);
		CHECK(e->has_timeout && e->timeout_ms == 0);
		CHECK(e->has_flags && e->flags == EXEC_FLAG_PTY);
		CHECK(e->has_pty_size && e->rows == 24 && e->cols == 80);
		CHECK(e->stdin_data == NULL);
		wire_exec_free(e);
	}
	/* PTY with no ARG: the login shell. */
	n = 0;
	tlv32(b, &n, TLV_FLAGS, EXEC_FLAG_PTY | EXEC_FLAG_SHELL);
	if ((e = GOOD(b, n, WIRE_TCP)) != NULL) {
		CHECK_EQ(e->argc, 0);
		CHECK(e->argv[0] == NULL);
		wire_exec_free(e);
	}
	/* UDP: STDIN_DATA is copied out of the input buffer. */
	n = 0;
	tlv(b, &n, TLV_ARG, "cat", 3);
	tlv(b, &n, TLV_STDIN_DATA, "in\0put", 6);
	tlv(b, &n, TLV_PAD, "\0\0\0", 3);
	if ((e = GOOD(b, n, WIRE_UDP)) != NULL) {
		memset(b, 0xee, n);
		CHECK_EQ(e->stdin_len, 6);
		CHECK(e->stdin_data != NULL);
		CHECK_MEM(e->stdin_data, "in\0put", 6);
		CHECK(strcmp(e->argv[0], "cat") == 0);
		wire_exec_free(e);
	}
	n = 0;
	tlv(b, &n, TLV_ARG, "cat", 3);
	tlv(b, &n, TLV_STDIN_DATA, NULL, 0);
	if ((e = GOOD(b, n, WIRE_UDP)) != NULL) {
		CHECK(e->stdin_data != NULL);
		CHECK_EQ(e->stdin_len, 0);
		wire_exec_free(e);
	}
	wire_exec_free(NULL);
}

/* A request that breaks one rule: ARG "x" then the given TLV. */
static void
bad_after_arg(uint8_t tag, const void *v, size_t vn, int transport,
    const char *want, int line)
{
	uint8_t	b[128];
	size_t	n = 0;

	tlv(b, &n, TLV_ARG, "x", 1);
	tlv(b, &n, tag, v, vn);
	bad(b, n, transport, want, line);
}

#define BAD_AFTER(tag, v, n, t, w) \
	bad_after_arg((tag), (v), (n), (t), (w), __LINE__)

/* Framing: empty, overruns, no ARG. */
static void
test_rules_framing(void)
{
	uint8_t	b[128] = { 0 };
	size_t	i, n;

	BAD(b, 0, WIRE_TCP, "no ARG");
	/* Overruns: a length past the end, a header cut short. */
	n = 0;
	tlv(b, &n, TLV_ARG, "echo", 4);
	wire_put32(b + 1, 5);
	BAD(b, n, WIRE_TCP, "overrun");
	wire_put32(b + 1, 0xffffffffu);
	BAD(b, n, WIRE_TCP, "overrun");
	wire_put32(b + 1, 4);
	for (i = 1; i < 5; i++) {
		BAD(b, n + i, WIRE_TCP, "overrun");
	}
	/* No ARG without PTY. */
	n = 0;
	tlv32(b, &n, TLV_FLAGS, EXEC_FLAG_SHELL);
	BAD(b, n, WIRE_TCP, "no ARG");
	n = 0;
	tlv(b, &n, TLV_ENV, "A=1", 3);
	BAD(b, n, WIRE_TCP, "no ARG");
}

/* NULs, repeats, fixed sizes, FLAGS bits, ENV names. */
static void
test_rules_values(void)
{
	static const char	*badenv[] = { "=x", "1A=x", "A-B=x", "A", "",
	    "A B=1", "\xc3\xa9=1", "A.B=1" };
	static const uint8_t	 dups[] = { TLV_CWD, TLV_TIMEOUT, TLV_FLAGS,
	    TLV_PTY_SIZE };
	uint8_t			 b[128] = { 0 }, zero8[8] = { 0 };
	size_t			 i, n;
	unsigned		 t;
	struct wire_exec	*e;

	/* NUL bytes in strings. */
	BAD_AFTER(TLV_ARG, "a\0b", 3, WIRE_TCP, "ARG contains a NUL");
	BAD_AFTER(TLV_ARG, "\0", 1, WIRE_TCP, "ARG contains a NUL");
	BAD_AFTER(TLV_ENV, "A=\0", 3, WIRE_TCP, "ENV contains a NUL");
	BAD_AFTER(TLV_CWD, "/tmp\0", 5, WIRE_TCP, "CWD contains a NUL");
	/* Once-only TLVs given twice. */
	for (i = 0; i < sizeof(dups); i++) {
		n = 0;
		tlv(b, &n, TLV_ARG, "x", 1);
		tlv(b, &n, dups[i], dups[i] == TLV_CWD ? "/tmp" : "\0\0\0\0",
		    4);
		if ((e = GOOD(b, n, WIRE_TCP)) != NULL) {
			wire_exec_free(e);
		}
		tlv(b, &n, dups[i], dups[i] == TLV_CWD ? "/tmp" : "\0\0\0\0",
		    4);
		BAD(b, n, WIRE_TCP, "more than once");
	}
	n = 0;
	tlv(b, &n, TLV_ARG, "x", 1);
	tlv(b, &n, TLV_STDIN_DATA, "a", 1);
	tlv(b, &n, TLV_STDIN_DATA, "b", 1);
	BAD(b, n, WIRE_UDP, "STDIN_DATA is given more than once");
	/* Fixed sizes. */
	for (i = 0; i < 9; i++) {
		if (i == 4) {
			continue;
		}
		BAD_AFTER(TLV_TIMEOUT, zero8, i, WIRE_TCP, "TIMEOUT is not 4");
		BAD_AFTER(TLV_FLAGS, zero8, i, WIRE_TCP, "FLAGS is not 4");
		BAD_AFTER(TLV_PTY_SIZE, zero8, i, WIRE_TCP,
		    "PTY_SIZE is not 4");
	}
	/* Unknown FLAGS bits. */
	for (t = 3; t < 32; t++) {
		uint8_t	f[4];

		wire_put32(f, 1u << t);
		BAD_AFTER(TLV_FLAGS, f, 4, WIRE_TCP, "unknown bit");
	}
	/* ENV: bad names, and one name twice. */
	for (i = 0; i < sizeof(badenv) / sizeof(badenv[0]); i++) {
		BAD_AFTER(TLV_ENV, badenv[i], strlen(badenv[i]), WIRE_TCP,
		    "NAME");
	}
	n = 0;
	tlv(b, &n, TLV_ARG, "x", 1);
	tlv(b, &n, TLV_ENV, "A=1", 3);
	tlv(b, &n, TLV_ENV, "B=1", 3);
	tlv(b, &n, TLV_ENV, "A=2", 3);
	BAD(b, n, WIRE_TCP, "same ENV name");
}

/* Transport rules, SHELL, and unknown tags. */
static void
test_rules_context(void)
{
	uint8_t			 b[128] = { 0 }, zero8[8] = { 0 };
	size_t			 n;
	unsigned		 t;
	struct wire_exec	*e;

	/* Transport rules. */
	BAD_AFTER(TLV_STDIN_DATA, "data", 4, WIRE_TCP, "UDP only");
	BAD_AFTER(TLV_PTY_SIZE, zero8, 4, WIRE_UDP, "PTY_SIZE is not allowed");
	wire_put32(b + 64, EXEC_FLAG_PTY);
	BAD_AFTER(TLV_FLAGS, b + 64, 4, WIRE_UDP, "PTY is not allowed");
	n = 0;
	tlv(b, &n, TLV_ARG, "x", 1);
	tlv32(b, &n, TLV_FLAGS, EXEC_FLAG_NO_STDIN);
	tlv(b, &n, TLV_STDIN_DATA, "a", 1);
	BAD(b, n, WIRE_UDP, "NO_STDIN");
	/* SHELL takes exactly one ARG. */
	n = 0;
	tlv(b, &n, TLV_ARG, "x", 1);
	tlv(b, &n, TLV_ARG, "y", 1);
	tlv32(b, &n, TLV_FLAGS, EXEC_FLAG_SHELL);
	BAD(b, n, WIRE_TCP, "SHELL");
	/* Unknown tags: below 0x80 refused, from 0x80 up ignored. */
	for (t = 0; t < 256; t++) {
		n = 0;
		tlv(b, &n, TLV_ARG, "x", 1);
		tlv(b, &n, (uint8_t)t, "\0\0\0\0", 4);
		if (t >= 0x80) {
			if ((e = GOOD(b, n, WIRE_TCP)) != NULL) {
				CHECK_EQ(e->argc, 1);
				CHECK(!e->has_flags && !e->has_timeout &&
				    !e->has_pty_size && e->cwd == NULL);
				wire_exec_free(e);
			}
		} else if (t > TLV_ACCOUNT) {
			BAD(b, n, WIRE_TCP, "unknown tag");
			BAD(b, n, WIRE_UDP, "unknown tag");
		}
	}
	BAD_AFTER(0x00, NULL, 0, WIRE_TCP, "unknown tag");
}

/*
 * ACCOUNT, the rsh extension: PROTOCOL.md's vector, both transports, and
 * each rule (once, 1 to 32 bytes, no NUL).
 */
static void
test_account(void)
{
	static const char	 vector[] = "0100000004" "6563686f"
	    "0100000005" "68656c6c6f" "0500000004" "00000004"
	    "0800000008" "7777772d64617461";
	char			*argv[] = { "echo", "hello", NULL };
	char			*env[] = { NULL }, name[40];
	struct wire_exec	 w, *e;
	uint8_t			 want[64], out[64], b[128];
	size_t			 n, i;

	memset(&w, 0, sizeof(w));
	w.argv = argv;
	w.argc = 2;
	w.env = env;
	w.has_flags = 1;
	w.flags = EXEC_FLAG_NO_STDIN;
	w.account = "www-data";
	for (i = 0; i < sizeof(vector) / 2; i++) {
		CHECK(sscanf(vector + 2 * i, "%2hhx", &want[i]) == 1);
	}
	CHECK_EQ(wire_exec_encode(&w, out, sizeof(out), 0), 41);
	CHECK_MEM(out, want, 41);
	CHECK_EQ(wire_exec_encode(&w, out, 40, 0), -1);
	for (i = 0; i < 2; i++) {
		if ((e = GOOD(want, 41, (int)i)) != NULL) {
			CHECK(e->account != NULL &&
			    strcmp(e->account, "www-data") == 0);
			CHECK(same_exec(&w, e) && same_exec(e, &w));
			wire_exec_free(e);
		}
	}
	/* Without it: none on the wire, NULL when decoded. */
	w.account = NULL;
	CHECK_EQ(wire_exec_encode(&w, out, sizeof(out), 0), 28);
	if ((e = GOOD(out, 28, WIRE_TCP)) != NULL) {
		CHECK(e->account == NULL);
		wire_exec_free(e);
	}
	/* 32 bytes pass, 33 do not; empty, a NUL, twice: refused. */
	memset(name, 'a', sizeof(name));
	n = 0;
	tlv(b, &n, TLV_ARG, "x", 1);
	tlv(b, &n, TLV_ACCOUNT, name, 32);
	if ((e = GOOD(b, n, WIRE_TCP)) != NULL) {
		CHECK_EQ(strlen(e->account), 32);
		wire_exec_free(e);
	}
	BAD_AFTER(TLV_ACCOUNT, name, 33, WIRE_TCP, "ACCOUNT is not 1 to 32");
	BAD_AFTER(TLV_ACCOUNT, name, sizeof(name), WIRE_UDP,
	    "ACCOUNT is not 1 to 32");
	BAD_AFTER(TLV_ACCOUNT, NULL, 0, WIRE_TCP, "ACCOUNT is not 1 to 32");
	BAD_AFTER(TLV_ACCOUNT, "ro\0ot", 5, WIRE_TCP,
	    "ACCOUNT contains a NUL");
	BAD_AFTER(TLV_ACCOUNT, "\0", 1, WIRE_UDP, "ACCOUNT contains a NUL");
	tlv(b, &n, TLV_ACCOUNT, "b", 1);
	BAD(b, n, WIRE_TCP, "ACCOUNT is given more than once");
	BAD(b, n, WIRE_UDP, "ACCOUNT is given more than once");
	/* Every cut of the vector short of a TLV boundary is an overrun. */
	for (i = 29; i < 41; i++) {
		BAD(want, i, WIRE_TCP, "overrun");
	}
}

/* Many ENV names: duplicates are found however far apart. */
static void
test_many_env(void)
{
	static uint8_t		 b[MAXP];
	char			 s[32];
	size_t			 n = 0, i;
	struct wire_exec	*e;

	tlv(b, &n, TLV_ARG, "env", 3);
	for (i = 0; i < 3000; i++) {
		snprintf(s, sizeof(s), "V%zu=%zu", (i * 7919) % 3000, i);
		tlv(b, &n, TLV_ENV, s, strlen(s));
	}
	if ((e = GOOD(b, n, WIRE_TCP)) != NULL) {
		CHECK_EQ(e->envc, 3000);
		CHECK(strcmp(e->env[1], "V1919=1") == 0);
		wire_exec_free(e);
	}
	tlv(b, &n, TLV_ENV, "V2999=x", 7);
	BAD(b, n, WIRE_TCP, "same ENV name");
}

/* Every prefix of a valid request: complete TLVs decode, others not. */
static void
test_truncations(void)
{
	uint8_t			 p[512];
	struct wire_exec	*e;
	const char		*why;
	long			 n;
	size_t			 cut, off;
	enum wire_status	 st;

	n = vec_hex(json, "exec_payload_examples/1/payload", p, sizeof(p));
	CHECK(n > 0);
	for (cut = 0; n > 0 && cut < (size_t)n; cut++) {
		/* Is cut at a TLV boundary? */
		for (off = 0; off < cut; off += 5 + wire_get32(p + off + 1)) {
			;
		}
		st = wire_exec_decode(p, cut, WIRE_TCP, &e, &why);
		if (off != cut) {
			CHECK_EQ(st, WIRE_BAD);
			CHECK(why != NULL && strstr(why, "overrun") != NULL);
		} else {
			/* Only an empty list lacks its ARG here. */
			CHECK_EQ(st, cut == 0 ? WIRE_BAD : WIRE_OK);
		}
		if (st == WIRE_OK) {
			wire_exec_free(e);
		}
	}
}

/* A fixed-seed generator, so a failure repeats exactly. */
static uint32_t
rnd(void)
{
	static uint32_t	x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static void
rnd_fill(uint8_t *p, size_t n)
{
	while (n-- > 0) {
		*p++ = (uint8_t)rnd();
	}
}

/* Random and mutated input: no crash, and what decodes round-trips. */
static void
test_random(void)
{
	static const uint8_t	 tags[] = {
		1, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0xff
	};
	static uint8_t		 b[1024], enc[4096];
	struct wire_exec	*e, *e2;
	const char		*why;
	size_t			 n, i, k, vn, ok = 0;
	int			 tr;
	long			 m;

	for (i = 0; i < 200000; i++) {
		tr = (int)(i & 1);
		if (i % 3 == 0) {
			n = rnd() % 64;
			rnd_fill(b, n);
		} else {
			/* Plausible TLVs with random tags, sizes, bytes. */
			for (n = 0, k = rnd() % 6; k > 0; k--) {
				vn = rnd() % 7;
				b[n] = tags[rnd() % sizeof(tags)];
				wire_put32(b + n + 1, (uint32_t)vn);
				rnd_fill(b + n + 5, vn);
				if (b[n] == TLV_ENV && vn > 1) {
					b[n + 5] = 'A';
					b[n + 5 + vn - 1] = '=';
				}
				if (b[n] == TLV_FLAGS && vn == 4) {
					b[n + 5 + 3] &= 7;
					b[n + 5] = b[n + 6] = b[n + 7] = 0;
				}
				n += 5 + vn;
			}
			if (i % 5 == 0 && n > 0) {
				b[rnd() % n] ^= (uint8_t)rnd();
			}
		}
		if (wire_exec_decode(b, n, tr, &e, &why) != WIRE_OK) {
			CHECK(e == NULL && why != NULL);
			continue;
		}
		ok++;
		m = wire_exec_encode(e, enc, sizeof(enc), 0);
		CHECK(m > 0);
		if (m > 0 && wire_exec_decode(enc, (size_t)m, tr, &e2, &why) ==
		    WIRE_OK) {
			CHECK(same_exec(e, e2));
			wire_exec_free(e2);
		} else {
			CHECK(0);
		}
		wire_exec_free(e);
	}
	/* The loop must reach the decoder's success path too. */
	CHECK(ok > 1000);
}

/* A request too large names its parts, largest first, and the excess. */
static void
test_toolarge(void)
{
	static char		*argv[] = { "echo", "hi", NULL };
	static char		*env[] = { "A=1", "BB=22", NULL };
	struct wire_exec	 e = { argv, 2, env, 2, "/tmp", 0, 0, 1, 0, 0,
				    0, 0, NULL, 0, NULL };
	char			 msg[256];

	/* args 9 + 7, env 8 + 10, cwd 9, flags 9: 52 bytes */
	wire_exec_toolarge(&e, 40, msg, sizeof(msg));
	CHECK(strcmp(msg, "the request is 12 bytes too large (at most 40): "
	    "the environment (2 -e variables) 18 bytes, the command and its "
	    "arguments 16, the working directory (-d) 9") == 0);
	e.envc = 0;
	e.cwd = NULL;
	wire_exec_toolarge(&e, 10, msg, sizeof(msg));
	CHECK(strcmp(msg, "the request is 15 bytes too large (at most 10): "
	    "the command and its arguments 16 bytes") == 0);
	/* Cut, never overrun. */
	wire_exec_toolarge(&e, 10, msg, 8);
	CHECK(strlen(msg) == 7);
}

int
main(void)
{
	if ((json = vec_load("vectors-v1.json")) == NULL) {
		fprintf(stderr, "test_wire_exec: cannot read vectors-v1.json "
		    "(run from tests/vectors)\n");
		return 1;
	}
	example(0);
	example(1);
	test_udp_payloads();
	test_full();
	test_rules_framing();
	test_rules_values();
	test_rules_context();
	test_account();
	test_many_env();
	test_truncations();
	test_random();
	test_toolarge();
	free(json);
	return check_done("test_wire_exec");
}
