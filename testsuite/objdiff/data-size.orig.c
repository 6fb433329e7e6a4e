/* data-size: a global array grows (reasons "size,data"); the function
 * that uses it and its neighbour stay unchanged. */
int before = 7;
int table[4] = { 1, 2, 3, 4 };
int after = 9;

int first(void)
{
	return table[0] + before + after;
}
