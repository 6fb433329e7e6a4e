/* strings: banner's string literal changes: banner is replaced and the
 * string section it uses is copied (added, read-only); put is imported;
 * greet is unchanged. */
int put(const char *);

void banner(void)
{
	put("version 2.0, a longer banner");
}

void greet(void)
{
	put("hello");
}
