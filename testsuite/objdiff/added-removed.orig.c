/* added-removed: f_old and old_table go, f_new and new_table come;
 * f_keep and keep_table stay unchanged. */
int keep_table[3] = { 1, 2, 3 };
int old_table[4] = { 4, 5, 6, 7 };

int f_keep(int x)
{
	return keep_table[x & 1] + x;
}

int f_old(int x)
{
	return old_table[x & 3] * 3;
}
