/* fnptr: pick's body changes and takes the address of the unchanged
 * function square: square is imported (its address is the running one),
 * not copied. */
__attribute__((noinline)) int square(int x)
{
	return x * x;
}

int (*pick(int x))(int)
{
	return x > 1 ? square : 0;
}
