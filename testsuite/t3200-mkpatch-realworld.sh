#!/bin/sh
# t3200-mkpatch-realworld.sh - mkpatch on the real security update of
# t1200: the static libexpat.a of Debian bookworm (libexpat1-dev
# 2.5.0-1+deb12u2) and of its security update (2.5.0-1+deb12u5).
#
# The packages come from the same cache as t1200 ($IPBP_BUILD/realworld-
# cache/, fetched with `apt-get download` and checked by SHA-256 when
# missing; the steps are t1200's); without network the script skips with
# t1200's message.
#
#   objdiff old.a new.a | mkpatch -o p.so
#
# must give a patch whose replaced and added functions are exactly the
# functions t1200 expects as changed ("~", replaced) and added ("+"),
# member by member: the list is read from t1200's expectation (compiler
# numbering ".N" stripped, as there), so there is one truth for both.
# The patch must pass patchinfo --verify and readelf -a -W.
. "$IPBP_SRC/testsuite/lib.sh"

T1200=$IPBP_SRC/testsuite/t1200-objdiff-realworld.sh
EXPAT_NEEDS=python3
. "$IPBP_SRC/testsuite/lib-expat.sh"

# t1200's expectation: "MEMBER replace|add NAME" for its "~"/"+" functions.
awk '/^grep -v .\^#. >expect <<.END.$/ { on = 1; next } /^END$/ { on = 0 }
     on && !/^#/ && $3 == "func" && ($2 == "~" || $2 == "+") {
	print $1, ($2 == "~" ? "replace" : "add"), $4 }' "$T1200" | sort >expect

test_expect_success "t1200's expectation read: 107 functions" '
	test "$(wc -l <expect)" = 107
'

# Plus the readers of changed read-only data: the update grew the static
# const table features[] of XML_GetFeatureList (~ data features 192 264),
# which objdiff does not count against the function that returns it; the
# patch copies the new table and replaces its reader to return that copy.
echo "xmlparse.o replace XML_GetFeatureList" >>expect && sort -o expect expect

test_expect_success 'objdiff old.a new.a | mkpatch -o p.so' '
	objdiff old.a new.a >stream; test $? = 1 &&
	mkpatch -o p.so <stream 2>err; code=$?
	cat err
	test $code = 0 &&
	test $(grep -c "no debug info" err) = 1 &&
	grep "^mkpatch: note: new.a(xmlparse.o) and 1 other object: no debug info: type" err
'

patchinfo --format=json p.so >json 2>/dev/null

# funcs <JSON: "MEMBER replace|add NAME" for the manifest's replaced and
# added functions, the member from the entry's object "old.a(x.o)",
# compiler numbering stripped as in t1200.
funcs() {
	python3 -c '
import json, re, sys
d = json.load(sys.stdin)
for key, what in (("replaced", "replace"), ("added", "add")):
    for e in d[key]:
        if key == "added" and e["kind"] != "func":
            continue
        member = re.sub(r"^[^(]*\(|\)$", "", e["object"] or "")
        print(member, what, re.sub(r"\.[0-9]+$", "", e["name"]))'
}

test_expect_success 'replaced and added functions: exactly those t1200 expects' '
	funcs <json | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'patchinfo --verify' '
	test "$(patchinfo --verify p.so)" = "p.so: ok"
'

test_expect_success 'readelf -a -W: no complaint' '
	readelf -a -W p.so >readelf 2>readelf.err &&
	test_cmp /dev/null readelf.err
'

test_expect_success 'the same patch from OLD NEW operands, byte for byte' '
	mkpatch -o p2.so old.a new.a 2>/dev/null &&
	cmp p.so p2.so
'

# The jump tables copied with doProlog, doContent, the tokenizers, ...
# point into the new functions, never into the bodies of the old ones: a
# relocation bound to a function the patch replaces may only take its
# address (addend -8..0, x86-64 RIP-relative or absolute).
inside_old_bodies() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
mine = {e["name"] for e in d["replaced"]} | {e["name"] for e in d["added"] if e["kind"] == "func"}
bad = [r for r in d["relocs"] if r["import"] in mine and not -8 <= r["addend"] <= 0]
for r in bad[:10]:
    print("reloc %#x %s %s%+d" % (r["offset"], r["type"], r["import"], r["addend"]))
print(len(bad), "relocations into the bodies of old functions")
sys.exit(1 if bad else 0)' <json
}
test_expect_success 'no relocation into an old body' 'inside_old_bodies'

test_done
