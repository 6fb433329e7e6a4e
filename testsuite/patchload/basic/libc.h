/* libc.h - what libc.c defines for libc-main.c. */
extern char input[];
int measure(const char *s);
