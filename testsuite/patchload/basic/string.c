/* string.c - greeting() returns "hello"; string.new.c "patched". */
#include <stdio.h>
#include <unistd.h>

int calls;	/* keeps greeting() called: not a pure function */

__attribute__((noinline)) const char *greeting(void)
{
	calls++;
	return "hello";
}

int main(void)
{
	for (int i = 0;; i++) {
		printf("i=%d greeting=%s;\n", i, greeting());
		fflush(stdout);
		usleep(2000);
	}
}
