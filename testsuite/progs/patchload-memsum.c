/* SPDX-License-Identifier: MIT */
/*
 * patchload-memsum.c - a fingerprint of a process's memory, for the
 * patchload tests that prove a refused or dry-run patch changed nothing.
 *
 *   patchload-memsum PID
 *	prints one line per mapping of /proc/PID/maps:
 *	    START-END PERMS NAME HASH
 *	HASH is the XXH3-64 of the mapping's bytes read through
 *	/proc/PID/mem, or "-" when they cannot be read ([vvar], [vsyscall],
 *	PROT_NONE guard pages).  Exit 0, or 2 with a message when the
 *	process cannot be read at all.
 *
 * Stop the process first (kill -STOP) so its data holds still; two runs
 * on the same stopped process print the same text, and any byte or
 * mapping patchload changed shows in a diff.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define CHUNK (1u << 20)

struct mapping {
	uint64_t start, end;
	char perms[8];
	const char *name;
};

/* parse_maps_line: START-END PERMS OFFSET DEV INODE [NAME]; 0 or -1. */
static int parse_maps_line(char *line, struct mapping *m)
{
	int name_at = 0;

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n",
		   &m->start, &m->end, m->perms, &name_at) < 3 || m->end < m->start)
		return -1;
	m->name = name_at ? line + name_at : "";
	return 0;
}

/* hash_range: XXH3 of [start, end) of the process; -1 when unreadable. */
static int hash_range(int mem, const struct mapping *m, char *buf, uint64_t *out)
{
	XXH3_state_t *st = XXH3_createState();
	uint64_t at = m->start;
	int ret = 0;

	if (!st || XXH3_64bits_reset(st) == XXH_ERROR) {
		XXH3_freeState(st);
		return -1;
	}
	while (at < m->end) {
		size_t want = m->end - at < CHUNK ? (size_t)(m->end - at) : CHUNK;
		ssize_t got = pread(mem, buf, want, (off_t)at);

		if (got <= 0) {
			ret = -1;
			break;
		}
		XXH3_64bits_update(st, buf, (size_t)got);
		at += (uint64_t)got;
	}
	if (!ret)
		*out = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return ret;
}

static void print_mapping(int mem, const struct mapping *m, char *buf)
{
	uint64_t h;

	printf("%" PRIx64 "-%" PRIx64 " %s %s ", m->start, m->end, m->perms, m->name);
	if (m->perms[0] == 'r' && strncmp(m->name, "[vvar", 5) != 0 &&
	    hash_range(mem, m, buf, &h) == 0)
		printf("%016" PRIx64 "\n", h);
	else
		printf("-\n");
}

/* open_proc: /proc/PID/WHAT read-only, or -1 with a message. */
static int open_proc(const char *pid, const char *what)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, what);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fprintf(stderr, "patchload-memsum: %s: %s\n", path, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	char line[4096];
	struct mapping m;
	FILE *maps;
	char *buf;
	int maps_fd, mem;

	if (argc != 2 || strspn(argv[1], "0123456789") != strlen(argv[1])) {
		fprintf(stderr, "usage: patchload-memsum PID\n");
		return 2;
	}
	maps_fd = open_proc(argv[1], "maps");
	mem = open_proc(argv[1], "mem");
	maps = maps_fd < 0 ? NULL : fdopen(maps_fd, "r");
	buf = malloc(CHUNK);
	if (!maps || mem < 0 || !buf)
		return 2;
	while (fgets(line, sizeof(line), maps))
		if (parse_maps_line(line, &m) == 0)
			print_mapping(mem, &m, buf);
	free(buf);
	close(mem);
	fclose(maps);
	return 0;
}
