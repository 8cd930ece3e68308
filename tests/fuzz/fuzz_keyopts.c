/*
 * fuzz_keyopts: a server key's options (the text after its secret in the
 * keys file) through keyopts_parse, cut at the first NUL as the keys file
 * reader would hand it.  Options that parse are then asked the questions
 * a connection asks: an IPv4 and an IPv6 peer, argument vectors (the
 * input itself split as an allow= key's command line among them), a
 * variable name.  A failure must say why and leave nothing allocated.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../rshd/allow.h"
#include "../../rshd/keyopts.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
ask(const struct keyopts *o, const uint8_t *data, size_t size)
{
	char	**argv;
	size_t	  argc, bad;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x0a000203);
	(void)keyopts_from_ok(o, &ss);
	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, "::ffff:10.0.2.3", &sin6->sin6_addr) != 1) {
		abort();
	}
	(void)keyopts_from_ok(o, &ss);
	(void)keyopts_allow_ok(o, (char *[]){ "uptime", NULL }, 1);
	(void)keyopts_allow_ok(o, (char *[]){ "systemctl", "restart",
	    "nginx", NULL }, 3);
	switch (allow_split((const char *)data, size, &argv, &argc, &bad)) {
	case ALLOW_SPLIT_OK:
		if (argc == 0 || argv[argc] != NULL) {
			abort();
		}
		(void)keyopts_allow_ok(o, argv, argc);
		free(argv);
		break;
	case ALLOW_SPLIT_BAD:
		if (bad >= size || argv != NULL) {
			abort();
		}
		break;
	default:
		if (argv != NULL) {
			abort();
		}
		break;
	}
	(void)keyopts_env_ok(o, "LANG", 4);
	if (o->no_udp < 0 || o->max_sessions < 0 ||
	    (o->nfrom > 0 && !o->no_udp)) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyopts	 o;
	char		*text, err[512];

	if ((text = strndup((const char *)data, size)) == NULL) {
		abort();
	}
	err[0] = '\0';
	if (keyopts_parse(text, &o, err, sizeof(err)) == 0) {
		ask(&o, data, size);
		keyopts_free(&o);
	} else if (err[0] == '\0' || o.users != NULL || o.nusers != 0 || o.nfrom != 0 ||
	    o.command != NULL || o.nallow != 0 || o.nenv != 0) {
		abort();
	}
	free(text);
	return 0;
}
