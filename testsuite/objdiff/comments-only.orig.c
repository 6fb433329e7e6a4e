/* comments-only: the patched source only adds comments above functions,
 * which moves every line number (debug info differs with -g). */
int say(const char *);
static int calls;

static __attribute__((noinline)) int bump(int n)
{
	calls += n;
	return calls;
}

int hello(int n)
{
	say("hello");
	return bump(n);
}

int bye(int n)
{
	say("bye");
	return bump(-n) * 2;
}
