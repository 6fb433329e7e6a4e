/* added-unselected (refused): run calls the new function helper, but the
 * stream (filtered by added-unselected.fail.sed, as a user's grep would)
 * selects only run: the patch would call code it does not hold. */
__attribute__((noinline)) int helper(int x)
{
	return x * 7 - 1;
}

int run(int x)
{
	return helper(x) + 1;
}
