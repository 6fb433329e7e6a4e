/* string.c, edited: greeting() returns "patched". */
#include <stdio.h>
#include <unistd.h>

int calls;	/* keeps greeting() called: not a pure function */

__attribute__((noinline)) const char *greeting(void)
{
	calls++;
	return "patched";
}

int main(void)
{
	for (int i = 0;; i++) {
		printf("i=%d greeting=%s;\n", i, greeting());
		fflush(stdout);
		usleep(2000);
	}
}
