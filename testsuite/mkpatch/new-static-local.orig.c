/* new-static-local: tick gains a static local: tick is replaced, the new
 * static gets fresh storage in the patch (added data, writable). */
int tick(int x)
{
	return x + 1;
}
