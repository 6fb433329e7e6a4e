/* missing-symbol (refused): the stream (objdiff's, with a line appended
 * by missing-symbol.fail.sed) names a function the objects do not have. */
int real(int x)
{
	return x + 1;
}
