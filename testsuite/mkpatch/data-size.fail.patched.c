/* data-size (refused): the existing global table grows from 4 to 6 ints:
 * its running storage cannot hold the new object. */
int table[6] = { 1, 2, 3, 4, 5, 6 };

int first(void)
{
	return table[0] + table[5];
}
