/*
 * check.h: the unit tests' tiny assertion kit.  A failed check prints
 * where and what, counts, and the test goes on; check_done() prints the
 * closing "N passed, N failed" line and returns the exit status.
 */
#ifndef RSH_CHECK_H
#define RSH_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_pass, check_fail;

#define CHECK(cond) do {						\
	if (cond) {							\
		check_pass++;						\
	} else {							\
		check_fail++;						\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long check_a_ = (long long)(a), check_b_ = (long long)(b);	\
	if (check_a_ == check_b_) {					\
		check_pass++;						\
	} else {							\
		check_fail++;						\
		fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",\
		    __FILE__, __LINE__, #a, check_a_, #b, check_b_);	\
	}								\
} while (0)

#define CHECK_MEM(a, b, n) do {						\
	if (memcmp((a), (b), (n)) == 0) {				\
		check_pass++;						\
	} else {							\
		check_fail++;						\
		fprintf(stderr, "%s:%d: %s differs from %s\n",		\
		    __FILE__, __LINE__, #a, #b);			\
	}								\
} while (0)

static inline int
check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_pass, check_fail);
	return check_fail == 0 ? 0 : 1;
}

#endif
