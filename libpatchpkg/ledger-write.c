// SPDX-License-Identifier: MIT
/*
 * ledger-write.c - the records of applied patches listed (patchload
 * --list, doc/patchload.1): as text, a line per patch and a line per
 * branch; as one JSON object per patch.  Names come from the target's
 * memory, so they are written escaped, as patchinfo writes them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "demangle.h"
#include "escape.h"
#include "ledger.h"

void ledger_write_text(FILE *f, const struct ledger *rec, unsigned flags)
{
	bool demangle = flags & LEDGER_TEXT_DEMANGLE;
	const struct manifest *m = rec->manifest;
	char when[64] = "";
	time_t t = (time_t)(rec->applied_ns / 1000000000u);
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "#%" PRIu64 "\t", rec->seq);
	text_put_name(f, rec->name);
	fprintf(f, "\t%s\t%s\t0x%" PRIx64 "\n",
		rec->state == LEDGER_APPLIED ? "applied" : "reverted", when, rec->image_base);
	if (rec->state != LEDGER_APPLIED)
		return;
	for (size_t i = 0; i < rec->nr_sites; i++) {
		const struct ledger_site *s = &rec->sites[i];
		const struct manifest_func *fn = s->func < m->nr_funcs ? &m->funcs[s->func] : NULL;

		putc('\t', f);
		if (fn) {
			text_put_name(f, fn->name);
			if (fn->file) {
				putc('@', f);
				text_put_name(f, fn->file);
			}
		} else {
			putc('?', f);
		}
		fprintf(f, "\t0x%" PRIx64 " -> 0x%" PRIx64 "%s", s->addr, s->dest,
			s->flags & SITE_ENTRY ? "" : " (earlier patch's copy)");
		if (demangle && fn)
			text_put_demangled(f, fn->name);
		putc('\n', f);
	}
	for (size_t i = 0; i < m->nr_added; i++) {
		if (manifest_added_is_copy(&m->added[i]))
			continue;
		fputs("\t+", f);
		text_put_name(f, m->added[i].name);
		fprintf(f, "\t0x%" PRIx64, rec->image_base + m->added[i].addr);
		if (demangle)
			text_put_demangled(f, m->added[i].name);
		putc('\n', f);
	}
}

void ledger_write_json(FILE *f, const struct ledger *rec)
{
	const struct manifest *m = rec->manifest;

	fprintf(f, "{\"seq\":%" PRIu64 ",\"name\":", rec->seq);
	json_put_string(f, rec->name);
	fprintf(f, ",\"state\":\"%s\",\"base\":\"0x%" PRIx64 "\",\"size\":%" PRIu64
		",\"sites\":[", rec->state == LEDGER_APPLIED ? "applied" : "reverted",
		rec->image_base, rec->map_size);
	for (size_t i = 0; i < rec->nr_sites; i++) {
		const struct ledger_site *s = &rec->sites[i];

		fprintf(f, "%s{\"function\":", i ? "," : "");
		json_put_string(f, s->func < m->nr_funcs ? m->funcs[s->func].name : "?");
		fprintf(f, ",\"addr\":\"0x%" PRIx64 "\",\"dest\":\"0x%" PRIx64 "\",\"entry\":%s}",
			s->addr, s->dest, s->flags & SITE_ENTRY ? "true" : "false");
	}
	fprintf(f, "],\"functions\":[");
	for (size_t i = 0; i < m->nr_funcs; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_put_string(f, m->funcs[i].name);
	}
	fprintf(f, "],\"added\":[");
	for (size_t i = 0; i < m->nr_added; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_put_string(f, m->added[i].name);
	}
	fprintf(f, "]}");
}
