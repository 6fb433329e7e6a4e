// SPDX-License-Identifier: MIT
/*
 * types-write.c - the type report as text and JSON (objdiff --types; the
 * grammar is in objdiff(5), TYPE REPORT), and the one-line message mkpatch
 * refuses with.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "types.h"

const char *type_delta_name(enum type_delta_kind k)
{
	static const char *const names[] = {
		[TD_TARGET] = "target", [TD_SIZE] = "size", [TD_ADDED] = "added",
		[TD_REMOVED] = "removed", [TD_MOVED] = "moved", [TD_RETYPED] = "retyped",
		[TD_BITS] = "bits", [TD_ENUM_ADDED] = "enumerator-added",
		[TD_ENUM_REMOVED] = "enumerator-removed", [TD_VALUE] = "value",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *type_user_role_name(enum type_user_role r)
{
	switch (r) {
	case TU_PATCHED: return "patched";
	case TU_UNCHANGED: return "unchanged";
	case TU_DATA: return "data";
	}
	return "?";
}

const char *type_delta_text(const struct type_delta *d, char *buf, size_t size)
{
	const char *m = d->member ? d->member : "", *o = d->old ? d->old : "?",
		   *n = d->new ? d->new : "?";

	switch (d->kind) {
	case TD_TARGET: snprintf(buf, size, "target %s -> %s", o, n); break;
	case TD_SIZE: snprintf(buf, size, "size %s -> %s", o, n); break;
	case TD_ADDED: snprintf(buf, size, "member %s added at %s", m, n); break;
	case TD_REMOVED: snprintf(buf, size, "member %s removed (was at %s)", m, o); break;
	case TD_MOVED: snprintf(buf, size, "member %s moved %s -> %s", m, o, n); break;
	case TD_RETYPED: snprintf(buf, size, "member %s retyped %s -> %s", m, o, n); break;
	case TD_BITS: snprintf(buf, size, "member %s bit field %s -> %s", m, o, n); break;
	case TD_ENUM_ADDED: snprintf(buf, size, "enumerator %s added (= %s)", m, n); break;
	case TD_ENUM_REMOVED: snprintf(buf, size, "enumerator %s removed (was %s)", m, o); break;
	case TD_VALUE: snprintf(buf, size, "enumerator %s value %s -> %s", m, o, n); break;
	default: snprintf(buf, size, "?"); break;
	}
	return buf;
}

/* "struct session", "typedef sess_t" */
static void put_type_name(FILE *f, const struct type_change *c)
{
	fprintf(f, "%s %s", c->kind, c->name);
}

/* ", " separated names of the users with role that block (or all). */
static size_t list_users(FILE *f, const struct type_change *c, enum type_user_role role,
			 bool blocking, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nr_users; i++) {
		const struct type_user *u = &c->users[i];

		if (u->role != role || (blocking && !u->blocks))
			continue;
		if (n < max)
			fprintf(f, "%s%s%s", n ? ", " : "", u->name,
				blocking && u->pointer ? " (pointer)" : "");
		n++;
	}
	if (n > max)
		fprintf(f, " and %zu more", n - max);
	return n;
}

static size_t count_users(const struct type_change *c, enum type_user_role role, bool blocking)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nr_users; i++)
		n += c->users[i].role == role && (!blocking || c->users[i].blocks);
	return n;
}

/* The first max deltas, what moves existing members first. */
static void write_deltas(FILE *f, const struct type_change *c, size_t max)
{
	static const enum type_delta_kind order[] = {
		TD_MOVED, TD_RETYPED, TD_BITS, TD_REMOVED, TD_VALUE, TD_ENUM_REMOVED,
		TD_TARGET, TD_SIZE, TD_ADDED, TD_ENUM_ADDED,
	};
	char buf[512];
	size_t n = 0;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < c->nr_deltas; i++) {
			if (c->deltas[i].kind != order[k])
				continue;
			if (n < max)
				fprintf(f, "%s%s", n ? ", " : "",
					type_delta_text(&c->deltas[i], buf, sizeof(buf)));
			n++;
		}
	if (n > max)
		fprintf(f, " and %zu more", n - max);
}

char *type_change_message(const struct type_change *c)
{
	size_t size = 0, nu = count_users(c, TU_UNCHANGED, true), nd = count_users(c, TU_DATA, true);
	char *msg = NULL;
	FILE *f = open_memstream(&msg, &size);

	if (!f)
		return NULL;
	put_type_name(f, c);
	fprintf(f, " changed layout (");
	write_deltas(f, c, 3);
	fprintf(f, "); used by ");
	list_users(f, c, TU_PATCHED, false, 4);
	fprintf(f, " (patched)");
	if (nu) {
		fprintf(f, " and %zu unchanged function%s: ", nu, nu == 1 ? "" : "s");
		list_users(f, c, TU_UNCHANGED, true, 8);
	}
	if (nd) {
		fprintf(f, "; existing data: ");
		list_users(f, c, TU_DATA, true, 8);
	}
	if (fclose(f) != 0) {
		free(msg);
		return NULL;
	}
	return msg;
}

/* ---- text ----------------------------------------------------------------------- */

static void write_change_text(FILE *f, const struct type_change *c)
{
	char buf[512];

	fprintf(f, "! %s ", c->kind);
	text_put_name(f, c->name);
	fprintf(f, " %llu %llu %s\n", (unsigned long long)c->old_size,
		(unsigned long long)c->new_size, c->unsafe ? "unsafe" : "safe");
	for (size_t i = 0; i < c->nr_deltas; i++)
		fprintf(f, "\t%s\n", type_delta_text(&c->deltas[i], buf, sizeof(buf)));
	for (size_t i = 0; i < c->nr_users; i++) {
		const struct type_user *u = &c->users[i];

		fprintf(f, "\tuser %s ", type_user_role_name(u->role));
		text_put_name(f, u->name);
		if (strcmp(u->object, c->new_name)) {
			fputs(" in ", f);
			text_put_name(f, u->object);
		}
		fprintf(f, "%s%s%s\n", u->pointer ? " pointer" : "", u->opaque ? " opaque" : "",
			u->blocks ? " blocks" : "");
	}
}

static void write_header(FILE *f, const char *old, const char *new, const char **last)
{
	if (*last && !strcmp(*last, new))
		return;
	fputs("--- ", f);
	text_put_name(f, old);
	fputs("\n+++ ", f);
	text_put_name(f, new);
	fputc('\n', f);
	*last = new;
}

int types_write_text(FILE *f, const struct type_report *rep, struct ipbp_err *err)
{
	const char *last = NULL;

	fputs("# objdiff-types 1\n", f);
	for (size_t i = 0; i < rep->nr_no_debug; i++) {
		fputs("# no debug info: ", f);
		text_put_name(f, rep->no_debug[i]);
		fputs(": layout changes guessed from code\n", f);
	}
	for (size_t i = 0; i < rep->nr_changes; i++) {
		write_header(f, rep->changes[i].old_name, rep->changes[i].new_name, &last);
		write_change_text(f, &rep->changes[i]);
	}
	for (size_t i = 0; i < rep->nr_guesses; i++) {
		const struct type_guess *g = &rep->guesses[i];

		write_header(f, g->old_name, g->new_name, &last);
		fputs("? func ", f);
		text_put_name(f, g->function);
		fprintf(f, " displacement %#llx -> %#llx at +%#llx, %zu instruction%s\n",
			(unsigned long long)g->old_disp, (unsigned long long)g->new_disp,
			(unsigned long long)g->offset, g->nr_insns, g->nr_insns == 1 ? "" : "s");
	}
	if (ferror(f))
		return ipbp_error(err, "write error");
	return 0;
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_field(FILE *f, const char *key, const char *value, bool comma)
{
	fprintf(f, "%s\"%s\":", comma ? "," : "", key);
	if (value)
		json_put_string(f, value);
	else
		fputs("null", f);
}

static void write_change_json(FILE *f, const struct type_change *c)
{
	json_field(f, "kind", c->kind, false);
	json_field(f, "name", c->name, true);
	json_field(f, "old", c->old_name, true);
	json_field(f, "new", c->new_name, true);
	fprintf(f, ",\"old_size\":%llu,\"new_size\":%llu,\"unsafe\":%s,\"changes\":[",
		(unsigned long long)c->old_size, (unsigned long long)c->new_size,
		c->unsafe ? "true" : "false");
	for (size_t i = 0; i < c->nr_deltas; i++) {
		const struct type_delta *d = &c->deltas[i];

		fprintf(f, "%s{", i ? "," : "");
		json_field(f, "change", type_delta_name(d->kind), false);
		json_field(f, "member", d->member, true);
		json_field(f, "old_value", d->old, true);
		json_field(f, "new_value", d->new, true);
		fputc('}', f);
	}
	fputs("],\"users\":[", f);
	for (size_t i = 0; i < c->nr_users; i++) {
		const struct type_user *u = &c->users[i];

		fprintf(f, "%s{", i ? "," : "");
		json_field(f, "name", u->name, false);
		json_field(f, "object", u->object, true);
		json_field(f, "role", type_user_role_name(u->role), true);
		fprintf(f, ",\"use\":\"%s\",\"opaque\":%s,\"blocks\":%s}",
			u->pointer ? "pointer" : "value", u->opaque ? "true" : "false",
			u->blocks ? "true" : "false");
	}
	fputs("]", f);
}

int types_write_json(FILE *f, const struct type_report *rep, struct ipbp_err *err)
{
	fputs("{\"objdiff_types\":1,\"no_debug\":[", f);
	for (size_t i = 0; i < rep->nr_no_debug; i++) {
		fputs(i ? "," : "", f);
		json_put_string(f, rep->no_debug[i]);
	}
	fputs("],\"types\":[", f);
	for (size_t i = 0; i < rep->nr_changes; i++) {
		fputs(i ? ",{" : "{", f);
		write_change_json(f, &rep->changes[i]);
		fputc('}', f);
	}
	fputs("],\"guesses\":[", f);
	for (size_t i = 0; i < rep->nr_guesses; i++) {
		const struct type_guess *g = &rep->guesses[i];

		fputs(i ? ",{" : "{", f);
		json_field(f, "function", g->function, false);
		json_field(f, "old", g->old_name, true);
		json_field(f, "new", g->new_name, true);
		fprintf(f, ",\"offset\":%llu,\"old_displacement\":%lld,\"new_displacement\":%lld,"
			"\"instructions\":%zu}", (unsigned long long)g->offset,
			(long long)g->old_disp, (long long)g->new_disp, g->nr_insns);
	}
	fputs("]}\n", f);
	if (ferror(f))
		return ipbp_error(err, "write error");
	return 0;
}
