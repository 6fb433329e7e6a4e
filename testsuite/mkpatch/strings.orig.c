/* strings: banner's string literal changes: banner is replaced and the
 * string section it uses is copied (added, read-only); put is imported;
 * greet is unchanged. */
int put(const char *);

void banner(void)
{
	put("v1");
}

void greet(void)
{
	put("hello");
}
