/* Static functions, static and function-local static data, strings. */
int printf(const char *, ...);
int puts(const char *);

static int counter;
static int table[16] = { 1, 2, 3, 4 };
static const char greeting[] = "hello, ipbp";

static int bump(int by)
{
	static int calls;		/* function-local static */
	calls++;
	counter += by;
	return counter + calls;
}

static int bump_twice(int by)
{
	static int calls;		/* same name, another function */
	calls += 2;
	return bump(by) + bump(by) + calls;
}

const char *message(int which)
{
	switch (which) {
	case 0: return "zero";
	case 1: return "one";
	case 2: return greeting;
	default: return "many";
	}
}

int statics_entry(int x)
{
	puts(message(x));
	table[x & 15] += bump_twice(x);
	return printf("%d %s\n", table[x & 15], "done");
}
