/*
 * sigign: runs a program with some signals ignored, as a careless parent
 * may start a daemon.  Uses the kernel's rt_sigaction, since glibc's
 * sigaction() refuses its own signals (32, 33), which are the interesting
 * ones.
 *
 * usage: sigign SIGNUM... -- PROGRAM [ARG]...
 */
#include <sys/syscall.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct {
		void		*handler;
		unsigned long	 flags;
		void		*restorer;
		unsigned long	 mask;
	} k = { (void *)SIG_IGN, 0, NULL, 0 };
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char	*errstr = NULL;
		long long	 sig = strtonum(argv[i], 1, 64, &errstr);

		if (errstr != NULL || syscall(SYS_rt_sigaction, (int)sig, &k,
		    NULL, sizeof(k.mask)) == -1) {
			fprintf(stderr, "sigign: bad signal %s\n", argv[i]);
			return 2;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: sigign SIGNUM... -- PROGRAM [ARG]...\n");
		return 2;
	}
	execvp(argv[i + 1], argv + i + 1);
	perror(argv[i + 1]);
	return 127;
}
