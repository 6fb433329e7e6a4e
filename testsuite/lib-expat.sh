# lib-expat.sh - the real-world pair of t1200 and t3200, sourced after
# lib.sh: libexpat.a of Debian bookworm's libexpat1-dev 2.5.0-1+deb12u2 and
# of its security update 2.5.0-1+deb12u5, fetched with `apt-get download`
# into $IPBP_BUILD/realworld-cache/ (kept between runs, checked by
# SHA-256) and copied to old.a and new.a in the test's directory.  Where
# that cannot be done (offline, not amd64, a tool missing) the rest of
# the script is skipped with a message (skip_rest).
pkg=libexpat1-dev
old_ver=2.5.0-1+deb12u2
new_ver=2.5.0-1+deb12u5
old_sha=757279c1ce56ca88ca519e4c01cffd94e8480ce936f53fe9b0d61dc1bab20394
new_sha=745288d31c0819f391312c953508c234a81e5bbde1d4609be397c308a489112c
cache=$IPBP_BUILD/realworld-cache
lib=usr/lib/x86_64-linux-gnu/libexpat.a

skip_rest() {
	test_skip "$1"
	test_done
	exit
}

[ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] ||
	skip_rest "the expected list is for the amd64 build of $pkg (dpkg architecture is not amd64)"
for t in apt-get dpkg-deb sha256sum ${EXPAT_NEEDS:-}; do
	command -v $t >/dev/null 2>&1 || skip_rest "$t not found"
done

# fetch VERSION SHA256 DIR: the package, checked, extracted into
# $cache/DIR.  apt-get download writes into the current directory; a
# private temporary directory keeps concurrent runs apart.
fetch() {
	ver=$1 sha=$2 dir=$cache/$3
	deb=$cache/${pkg}_${ver}_amd64.deb
	[ -s "$dir/$lib" ] && return 0
	mkdir -p "$cache" || return 1
	if ! echo "$sha  $deb" | sha256sum -c --status 2>/dev/null; then
		tmp=$(mktemp -d "$cache/dl.XXXXXX") || return 1
		(cd "$tmp" && apt-get download "$pkg=$ver") >"$tmp/log" 2>&1 &&
			mv "$tmp/${pkg}_${ver}_amd64.deb" "$deb"
		rc=$?
		[ $rc = 0 ] || { echo "apt-get download $pkg=$ver failed:"; cat "$tmp/log"; }
		rm -rf "$tmp"
		[ $rc = 0 ] || return 1
		echo "$sha  $deb" | sha256sum -c --status || {
			echo "$deb: unexpected SHA-256 (not the build this list was made for)"
			rm -f "$deb"
			return 1
		}
	fi
	rm -rf "$dir.tmp" && dpkg-deb -x "$deb" "$dir.tmp" && rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

if ! fetch $old_ver $old_sha old >fetch.log 2>&1 || ! fetch $new_ver $new_sha new >>fetch.log 2>&1; then
	sed 's/^/# /' fetch.log | tail -5
	skip_rest "cannot fetch $pkg $old_ver and $new_ver with apt-get download (offline?)"
fi
cp "$cache/old/$lib" old.a && cp "$cache/new/$lib" new.a || exit 1
