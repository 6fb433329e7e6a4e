/* added-removed: f_old and old_table go, f_new and new_table come;
 * f_keep and keep_table stay unchanged. */
int keep_table[3] = { 1, 2, 3 };
int new_table[2] = { 8, 9 };

int f_keep(int x)
{
	return keep_table[x & 1] + x;
}

int f_new(int x)
{
	return new_table[x & 1] - 5;
}
