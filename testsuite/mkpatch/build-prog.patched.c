/* build-prog (t3120): a small program with most constructs a patch meets
 * (globals, statics, static locals, TLS, strings, a const table, a switch,
 * a function pointer, calls to unchanged and external code), built in
 * every code model.  classify and compute change, added_check is new.
 * NO_TLS leaves the thread-local variable out (aarch64 -fPIC, see t3120). */
int printf_like(const char *fmt, int v);
int total;
static int hits;
#ifdef NO_TLS
int depth;
#else
__thread int depth;
#endif
static const int weights[6] = { 3, 1, 4, 1, 5, 9 };

static int helper(int x)
{
	return x * 3 + hits;
}

int unchanged(int x)
{
	return helper(x) - 1;
}

int added_check(int x)
{
	static int seen;

	seen += x;
	return x < 0 ? printf_like("negative %d", x) : seen;
}

int classify(int x)
{
	static int calls;

	calls++;
	switch (x) {
	case 0: return printf_like("zero", calls);
	case 1: return unchanged(x) + 8;
	case 2: return weights[x] * 5;
	case 3: return x - 17;
	case 4: return printf_like("four!", x + 9);
	case 5: return total + added_check(x);
	default: return helper(x);
	}
}

int compute(int x)
{
	int (*f)(int) = unchanged;

	depth += x + 1;
	total += x;
	return f(x) + weights[x % 6] + depth + added_check(x);
}
