/* added-unselected (refused): run calls the new function helper, but the
 * stream (filtered by added-unselected.fail.sed, as a user's grep would)
 * selects only run: the patch would call code it does not hold. */
int run(int x)
{
	return x + 1;
}
