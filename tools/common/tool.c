// SPDX-License-Identifier: MIT
/*
 * tool.c - messages, help, version and output files for every ipbp tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

#ifndef IPBP_VERSION
#define IPBP_VERSION "unknown"
#endif

/* The one piece of global state a tool has: its name for messages. */
static const char *progname = "ipbp";

void tool_init(const char *name)
{
	progname = name;
}

const char *tool_name(void)
{
	return progname;
}

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", progname, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

noreturn void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(EXIT_TROUBLE);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_TROUBLE);
}

static noreturn void exit_flushing_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: write error\n", progname);
		exit(EXIT_TROUBLE);
	}
	exit(EXIT_SAME);
}

enum tool_format tool_parse_format(const char *s)
{
	if (!strcmp(s, "text"))
		return FMT_TEXT;
	if (!strcmp(s, "json"))
		return FMT_JSON;
	usage_error("unknown format '%s' (text or json)", s);
}

noreturn void tool_help(const char *usage)
{
	fputs(usage, stdout);
	exit_flushing_stdout();
}

noreturn void tool_version(void)
{
	printf("%s (ipbp) %s\n", progname, IPBP_VERSION);
	exit_flushing_stdout();
}

bool tool_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return false;
	if (!term || !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

int tool_read_all(FILE *f, const char *name, void **data, size_t *size)
{
	size_t cap = 64 * 1024, len = 0, n;
	char *buf = malloc(cap), *nb;

	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			if (!(nb = realloc(buf, cap * 2)))
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf || ferror(f) || !feof(f)) {
		free(buf);
		return error("%s: %s", name, !buf || !ferror(f) ? "out of memory" : strerror(errno));
	}
	*data = buf;
	*size = len;
	return 0;
}

/* A device or FIFO (-o /dev/null, -o /dev/stderr) is written in place:
 * renaming a file over it would replace the device. */
static bool is_special_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

static int open_special_output(struct tool_output *out, const char *path)
{
	if (!(out->path = strdup(path)))
		return error("%s: out of memory", path);
	if (!(out->f = fopen(path, "w"))) {
		error("%s: %s", path, strerror(errno));
		tool_output_abort(out);
		return -1;
	}
	return 0;
}

int tool_output_open(struct tool_output *out, const char *path)
{
	mode_t mask;
	int fd;

	memset(out, 0, sizeof(*out));
	if (!path || !strcmp(path, "-")) {
		out->f = stdout;
		return 0;
	}
	if (is_special_file(path))
		return open_special_output(out, path);
	out->path = strdup(path);
	out->tmp = malloc(strlen(path) + 8);
	if (!out->path || !out->tmp) {
		tool_output_abort(out);
		return error("%s: out of memory", path);
	}
	sprintf(out->tmp, "%s.XXXXXX", path);
	fd = mkstemp(out->tmp);
	if (fd < 0) {
		error("%s: %s", path, strerror(errno));
		free(out->tmp);
		out->tmp = NULL;
		tool_output_abort(out);
		return -1;
	}
	/* mkstemp makes 0600: give the file the mode a plain create would. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	if (!(out->f = fdopen(fd, "w"))) {
		close(fd);
		error("%s: %s", path, strerror(errno));
		tool_output_abort(out);
		return -1;
	}
	return 0;
}

/*
 * Standard output, once written: the reader of a pipe (objdiff | mkpatch)
 * sees its end now, not after this process has freed its memory and
 * exited, 0.1 ms later.  fd 1 is pointed at /dev/null, so that no file
 * opened afterwards takes its number; without /dev/null the end comes at
 * exit, as before.
 */
static void end_stdout(void)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null < 0)
		return;
	dup2(null, STDOUT_FILENO);
	close(null);
}

int tool_output_commit(struct tool_output *out)
{
	const char *name = out->path ? out->path : "standard output";
	int ret = 0;

	if (!out->path) {
		if (fflush(stdout) != 0 || ferror(stdout))
			return error("%s: write error", name);
		end_stdout();
		return 0;
	}
	/* No fsync(), as in cc and ld: the rename makes the file appear
	 * whole or not at all to every reader; surviving a power cut is not
	 * worth the half millisecond it adds to each patch. */
	if (fflush(out->f) != 0 || ferror(out->f))
		ret = error("%s: write error: %s", name, strerror(errno));
	if (fclose(out->f) != 0 && ret == 0)
		ret = error("%s: write error: %s", name, strerror(errno));
	out->f = NULL;
	/* Unlinking the old file first, as lld does, spares ext4 the flush
	 * it starts when a rename replaces a file (auto_da_alloc), 0.1 to
	 * 0.3 ms; a reader sees the old file, then none, then the whole new
	 * one. */
	if (ret == 0 && out->tmp && unlink(out->path) < 0 && errno != ENOENT)
		ret = error("%s: %s", name, strerror(errno));
	if (ret == 0 && out->tmp && rename(out->tmp, out->path) < 0)
		ret = error("%s: %s", name, strerror(errno));
	if (ret < 0) {
		tool_output_abort(out);
		return ret;
	}
	free(out->tmp);
	free(out->path);
	memset(out, 0, sizeof(*out));
	return 0;
}

void tool_output_abort(struct tool_output *out)
{
	if (out->f && out->f != stdout)
		fclose(out->f);
	if (out->tmp)
		unlink(out->tmp);
	free(out->tmp);
	free(out->path);
	memset(out, 0, sizeof(*out));
}
