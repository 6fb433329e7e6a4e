/* Calls between functions of one section: resolved by the assembler when
 * built without -ffunction-sections, found again by decoding. */
extern int sink;

static __attribute__((noinline)) int leaf(int x)
{
	return x * 2 + sink;
}

__attribute__((noinline)) int middle(int x)
{
	int r = 0;
	for (int i = 0; i < x; i++)
		r += leaf(i);
	return r;
}

int top(int x)
{
	return middle(x) + leaf(x) + middle(x + 1);
}

int recurse(int n)
{
	return n <= 1 ? 1 : n * recurse(n - 1) + top(n);
}
