/*
 * state.c, edited: step() also prints the sum of the four counts.
 */
#include <stdio.h>
#include <unistd.h>

int g_count;
static int s_count = 1000;
__thread int t_count = 3000;

__attribute__((noinline)) void step(void)
{
	static int l_count = 2000;

	g_count++;
	s_count++;
	l_count++;
	t_count++;
	printf("new g=%d s=%d l=%d t=%d sum=%d;\n", g_count, s_count, l_count, t_count,
	       g_count + s_count + l_count + t_count);
}

int main(void)
{
	for (;;) {
		step();
		fflush(stdout);
		usleep(2000);
	}
}
