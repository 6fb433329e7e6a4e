/* new-tls (refused): work starts using a new __thread variable, which
 * cannot be added to running threads. */
__thread int last;

int work(int x)
{
	last = x;
	return x + 1;
}
