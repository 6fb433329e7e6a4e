/* Thread-local storage: initialized, zeroed, static and extern. */
_Thread_local int tls_counter = 5;
_Thread_local char tls_buffer[64];
static _Thread_local int tls_private;
extern _Thread_local int tls_extern;

int tls_entry(int x)
{
	tls_private += x;
	tls_buffer[x & 63]++;
	return tls_counter++ + tls_private + tls_extern;
}
