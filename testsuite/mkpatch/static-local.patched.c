/* static-local: next_id's body changes, its static local count stays:
 * the patch imports count by its old name (gcc count.0, clang
 * next_id.count), file-local, with its source file. */
int next_id(void)
{
	static int count = 5;
	count += 2;
	return count;
}
