/* comments-only: the patched source only adds comments above functions,
 * which moves every line number (debug info differs with -g). */
int say(const char *);
static int calls;

/*
 * bump - count calls.
 *
 * A long comment that moves the line numbers
 * of everything below it.
 */
static __attribute__((noinline)) int bump(int n)
{
	calls += n;
	return calls;
}

/* hello - greet and count. */
int hello(int n)
{
	say("hello");
	return bump(n);
}

/*
 * bye - take leave.
 */
int bye(int n)
{
	say("bye");
	return bump(-n) * 2;
}
