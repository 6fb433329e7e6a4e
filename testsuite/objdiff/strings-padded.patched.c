/* strings-padded: without optimization gcc writes string literals to plain
 * .rodata (not a string section), and aligns one of 32 bytes or more: the
 * zeros before it depend on the literals before it.  A function whose
 * literal only moved stays unchanged; the one whose literal changed is
 * changed. */
int put(const char *);

void first(void)
{
	put("one, then more");
}

void second(void)
{
	put("two");
}

void third(void)
{
	put("a literal of thirty-two bytes or more, which gcc aligns");
}
