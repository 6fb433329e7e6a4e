/* data-size (refused): the existing global table grows from 4 to 6 ints:
 * its running storage cannot hold the new object. */
int table[4] = { 1, 2, 3, 4 };

int first(void)
{
	return table[0] + table[3];
}
