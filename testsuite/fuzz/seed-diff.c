/* seed-diff.c - source of the diff fuzz seeds (see make-corpus-diff):
 * compiled once as is and once with -DPATCHED, so that the pair has
 * changed, added, removed and unchanged functions and data, a jump table,
 * a static local, string literals and a call whose target changes.  No
 * system headers: it is compiled for every target. */
extern int ext_a(const char *s);
extern int ext_b(const char *s);
#ifdef PATCHED
int table_size = 5;			/* initializer changed */
#else
int table_size = 4;
#endif
const char banner[] = "seed-diff";

static __attribute__((noinline)) int helper(int x)
{
	static int count;		/* static local, renumbered */
#ifdef PATCHED
	return x * 5 + ++count;		/* body changed */
#else
	return x * 3 + ++count;
#endif
}

int unchanged(int x)
{
	return helper(x) + banner[x & 7];
}

int dispatch(int i, int x)
{
	switch (i) {			/* jump table */
	case 0: return helper(x);
	case 1: return unchanged(x) * 7;
#ifdef PATCHED
	case 2: return ext_b("two");	/* call target changed */
#else
	case 2: return ext_a("two");
#endif
	case 3: return ext_a("three") + table_size;
	case 4: return x - 1;
	default: return -1;
	}
}

#ifdef PATCHED
int added(int x)
{
	return x ^ 0x55;
}
#else
int removed(int x)
{
	return x ^ 0xaa;
}
#endif
