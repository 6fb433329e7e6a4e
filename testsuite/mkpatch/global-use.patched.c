/* global-use: account's body changes; it uses the existing global
 * counter and the file-local static scratch: both are imported (scratch
 * with its source file); nothing is copied. */
int counter = 3;
static int scratch[8];

int account(int x)
{
	scratch[x & 7] += x;
	return counter += x * 2;
}

int peek(int i)
{
	return scratch[i & 7];
}
