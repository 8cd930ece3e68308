/*
 * test_keypool: the pool fills, hands out each key once, and never holds
 * a key older than a second, idle or not.
 */
#include <string.h>
#include <time.h>

#include "crypto.h"

#include "../../rshd/keypool.h"

#include "check.h"

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1) {
		continue;
	}
}

int
main(void)
{
	struct keypool			*p;
	struct crypto_x25519_key	*a, *b;
	long long			 worst = 0;

	CHECK_EQ(crypto_init(), 0);
	CHECK((p = keypool_new(4)) != NULL);
	if (p == NULL) {
		return check_done("test_keypool");
	}
	for (int i = 0; i < 100 && keypool_count(p) < 4; i++) {
		sleep_ms(10);
	}
	CHECK_EQ(keypool_count(p), 4);
	/* Two takes, two different keys. */
	a = keypool_take(p);
	b = keypool_take(p);
	CHECK(a != NULL && b != NULL);
	if (a != NULL && b != NULL) {
		CHECK(memcmp(crypto_x25519_pub(a), crypto_x25519_pub(b),
		    CRYPTO_KEYLEN) != 0);
	}
	crypto_x25519_free(a);
	crypto_x25519_free(b);
	/* Idle for 2.5 s: the keys held are renewed as they age. */
	for (int i = 0; i < 25; i++) {
		long long age;

		sleep_ms(100);
		if ((age = keypool_oldest_ms(p)) > worst) {
			worst = age;
		}
	}
	CHECK(worst > 0);
	/* About a second: a key is due at 1 s, and the thread that renews
	 * it may run late on a loaded machine (a taken key is never older:
	 * keypool_take() drops expired ones itself). */
	CHECK(worst < 1500);
	CHECK_EQ(keypool_count(p), 4);
	keypool_free(p);
	return check_done("test_keypool");
}
