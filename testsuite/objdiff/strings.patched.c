/* strings: string literals are reordered (functions swapped) and one
 * changes; functions whose strings are the same stay unchanged. */
int put(const char *);

void banner(void)
{
	put("version 2.0, a longer banner");
}

void greet(void)
{
	put("hello");
	put("world");
}

void farewell(void)
{
	put("goodbye");
}

void added(void)
{
	put("world, hello");
}
