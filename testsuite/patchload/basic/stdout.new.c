/* stdout.c, edited: report() prints with fprintf(stdout, ...). */
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) void report(int i)
{
	fprintf(stdout, "i=%d new;\n", i);
}

int main(void)
{
	for (int i = 0;; i++) {
		report(i);
		fflush(stdout);
		usleep(2000);
	}
}
