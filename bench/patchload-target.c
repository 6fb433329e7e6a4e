// SPDX-License-Identifier: MIT
/*
 * patchload-target.c - the program bench/patchload-bench patches while it
 * runs, and restarts to compare.
 *
 *   patchload-target [busy|paced] [ENTRIES]
 *
 * Like a small service, it loads its state before it answers: an index of
 * ENTRIES (default 1000000) named items in an open-addressing hash table,
 * built from generated names.  Then 8 worker threads look items up and
 * price them, in a loop: "busy" without pause (every CPU taken), "paced"
 * with a 10 ms sleep after every 1000 lookups (a service at light load).
 * When the workers run it prints one line, "ready: ...", and then waits.
 *
 * The bench edits price() (the rate below) and patches it in; the workers
 * call it through an ordinary call, as they would call any function too
 * big to inline, which noinline stands for here.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NR_WORKERS 8
#define NAME_MAX_LEN 24

struct item {
	char name[NAME_MAX_LEN];
	uint32_t stock;
	uint32_t cost;
};

struct index {
	struct item *items;
	uint32_t *slots;	/* item number + 1; 0: empty */
	size_t nr_items, nr_slots;
};

struct worker {
	const struct index *idx;
	unsigned id;
	int paced;
	atomic_ulong *lookups;
	uint64_t total;		/* what the prices add up to */
};

uint64_t price(const struct item *it, unsigned qty);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;	/* xorshift32 */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void name_item(char *buf, size_t size, uint32_t n)
{
	static const char *const kinds[] = { "bolt", "nut", "washer", "gear", "spring", "valve" };

	snprintf(buf, size, "%s-%u-%c", kinds[n % 6], n, 'a' + (char)(n % 26));
}

static void index_insert(struct index *idx, uint32_t n)
{
	size_t mask = idx->nr_slots - 1;
	size_t slot = hash_name(idx->items[n].name) & mask;

	while (idx->slots[slot])
		slot = (slot + 1) & mask;
	idx->slots[slot] = n + 1;
}

static const struct item *index_find(const struct index *idx, const char *name)
{
	size_t mask = idx->nr_slots - 1;
	size_t slot = hash_name(name) & mask;

	for (uint32_t n; (n = idx->slots[slot]); slot = (slot + 1) & mask)
		if (!strcmp(idx->items[n - 1].name, name))
			return &idx->items[n - 1];
	return NULL;
}

static int index_build(struct index *idx, size_t nr)
{
	uint32_t seed = 2463534242u;

	idx->nr_items = nr;
	for (idx->nr_slots = 1; idx->nr_slots < 2 * nr; idx->nr_slots *= 2)
		;
	idx->items = calloc(nr, sizeof(*idx->items));
	idx->slots = calloc(idx->nr_slots, sizeof(*idx->slots));
	if (!idx->items || !idx->slots)
		return -1;
	for (uint32_t n = 0; n < nr; n++) {
		struct item *it = &idx->items[n];

		name_item(it->name, sizeof(it->name), n);
		it->stock = next_random(&seed) % 1000;
		it->cost = 100 + next_random(&seed) % 9900;
		index_insert(idx, n);
	}
	return 0;
}

/* The function the bench changes: the price of an item, in cents. */
__attribute__((noinline)) uint64_t price(const struct item *it, unsigned qty)
{
	uint64_t rate = 120;	/* percent of cost */
	uint64_t p = (uint64_t)it->cost * qty * rate / 100;

	if (qty > it->stock)
		p += p / 10;	/* backorder surcharge */
	return p;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint32_t seed = 0x9e3779b9u * (w->id + 1);
	char name[NAME_MAX_LEN];

	for (unsigned long i = 1;; i++) {
		uint32_t n = next_random(&seed) % (uint32_t)w->idx->nr_items;
		const struct item *it;

		name_item(name, sizeof(name), n);
		it = index_find(w->idx, name);
		if (it)
			w->total += price(it, 1 + n % 7);
		if (i % 1000 == 0) {
			atomic_fetch_add_explicit(w->lookups, 1000, memory_order_relaxed);
			if (w->paced)
				usleep(10000);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker workers[NR_WORKERS];
	static atomic_ulong lookups;
	struct index idx;
	size_t nr = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	int paced = argc > 1 && !strcmp(argv[1], "paced");
	uint64_t start = now_ns();
	pthread_t tid;

	if (nr == 0 || nr > 100000000 || index_build(&idx, nr) < 0) {
		fprintf(stderr, "patchload-target: cannot build an index of %zu items\n", nr);
		return 1;
	}
	for (unsigned i = 0; i < NR_WORKERS; i++) {
		workers[i] = (struct worker){ &idx, i, paced, &lookups, 0 };
		if (pthread_create(&tid, NULL, work, &workers[i])) {
			fprintf(stderr, "patchload-target: cannot start worker %u\n", i);
			return 1;
		}
	}
	printf("ready: %zu items indexed in %.1f ms, %d %s workers\n", nr,
	       (now_ns() - start) / 1e6, NR_WORKERS, paced ? "paced" : "busy");
	fflush(stdout);
	for (;;)
		pause();
}
