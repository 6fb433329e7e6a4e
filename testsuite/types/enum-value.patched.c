/* enum-value (unsafe): a new enumerator renumbers BUSY and DONE, which
 * is_done, unchanged, and the existing variable current still hold. */
enum job_state { IDLE, STARTING, BUSY, DONE };

enum job_state current;

int is_done(enum job_state s)
{
	return s == DONE;
}

enum job_state advance(enum job_state s)
{
	return s == IDLE ? STARTING : s == STARTING ? BUSY : DONE;
}
