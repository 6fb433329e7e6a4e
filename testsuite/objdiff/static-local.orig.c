/* static-local: a new function with its own static local "count" is
 * added, so GCC's numbering shifts: GCC 12 numbers statics in reverse
 * order of definition, so the new function comes after the existing one,
 * and the existing function's count.0 becomes count.1 while the new
 * function's static takes the name count.0.  counter_next and its count
 * stay unchanged; the new function and its static are added.  (clang
 * names statics FUNCTION.VAR: nothing shifts, the names must still
 * correlate.) */
int counter_next(void)
{
	static int count = 5;
	return ++count;
}
