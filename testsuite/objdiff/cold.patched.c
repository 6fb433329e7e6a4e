/* cold (gcc only): paths that call a cold function are moved by gcc -O2
 * into a separate FUNC.cold part (.text.unlikely.FUNC).  Only check()'s
 * cold path changes (a constant, same size): check's own bytes are equal,
 * its part differs, so check is changed with reason "part" and check.cold
 * never shows as a symbol of its own; steady() and its part are equal. */
__attribute__((cold)) void report(const char *what, int code);

int check(int x)
{
	if (__builtin_expect(x < 0, 0)) {
		report("negative", 1001);
		report("negative again", x);
		return -1;
	}
	return x * 2;
}

int steady(int x)
{
	if (__builtin_expect(x > 1000000, 0)) {
		report("too big", x);
		return 0;
	}
	return x + 3;
}
