/* libc-main.c - the main loop of the libc.c program. */
#include <stdio.h>
#include <unistd.h>

#include "libc.h"

int main(void)
{
	for (int i = 0;; i++) {
		printf("i=%d measure=%d;\n", i, measure(input));
		fflush(stdout);
		usleep(2000);
	}
}
