/* strings: string literals are reordered (functions swapped) and one
 * changes; functions whose strings are the same stay unchanged. */
int put(const char *);

void farewell(void)
{
	put("goodbye");
}

void banner(void)
{
	put("v1");
}

void greet(void)
{
	put("hello");
	put("world");
}
