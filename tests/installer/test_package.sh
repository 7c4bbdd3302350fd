#!/usr/bin/env bash
# The .deb as Debian's own tools see it: it builds; it holds every file of the installer; the desktop entry and the
# AppStream metainfo validate; lintian reports no error and no warning beyond the overrides the package carries
# (usr/share/lintian/overrides/slimscope, each with its reason); unpacked into a throwaway folder, slimscope-cli runs
# from there (--version, analyze on the sample model) with the ONNX Runtime library of the package; the man page
# names every command `slimscope-cli --help` lists.
#   test_package.sh BUILD_DIR VERSION
set -euo pipefail
build=$1
version=$2
deb="$build/slimscope_${version}_$(dpkg --print-architecture).deb"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# Outside CI a missing tool skips the test (exit 77); in CI it is an install step that failed.
for tool in dpkg-deb lintian desktop-file-validate appstreamcli help2man; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        [ "${CI:-}" = "true" ] && fail "$tool is not installed (scripts/install-deps.sh installs it)"
        echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"
        exit 77
    fi
done

cmake --build "$build" --target package >"$build/package.log" 2>&1 || { cat "$build/package.log" >&2; fail "the package did not build"; }
[ -f "$deb" ] || fail "$deb was not made"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every file the installer promises.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/contents"
id=invalid.example.Slimscope
expected=(
    /usr/bin/slimscope /usr/bin/slimscope-cli /usr/lib/slimscope/libonnxruntime.so.1
    /usr/share/doc/slimscope/copyright /usr/share/doc/slimscope/changelog.gz
    "/usr/share/applications/$id.desktop" /usr/share/mime/packages/slimscope.xml "/usr/share/metainfo/$id.metainfo.xml"
    "/usr/share/icons/hicolor/scalable/apps/$id.svg"
    /usr/share/man/man1/slimscope.1.gz /usr/share/man/man1/slimscope-cli.1.gz
    /usr/share/bash-completion/completions/slimscope-cli /usr/share/lintian/overrides/slimscope
    /usr/share/slimscope/slimscope-sample.onnx
)
for size in 16 24 32 48 64 128 256; do
    expected+=("/usr/share/icons/hicolor/${size}x${size}/apps/$id.png")
done
for file in "${expected[@]}"; do
    grep -qxF "$file" "$work/contents" || fail "the package lacks $file"
done

dpkg-deb -x "$deb" "$work/root"
root="$work/root"
# Each PNG is the size its folder names.
for size in 16 24 32 48 64 128 256; do
    png="$root/usr/share/icons/hicolor/${size}x${size}/apps/$id.png"
    dims=$(python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(24); print(*struct.unpack('>II', d[16:24]))" "$png")
    [ "$dims" = "$size $size" ] || fail "$png is $dims, not ${size}x${size}"
done

desktop-file-validate "$root/usr/share/applications/$id.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$root/usr/share/metainfo/$id.metainfo.xml" || fail "appstreamcli validate"
grep -q '^MimeType=application/x-onnx;$' "$root/usr/share/applications/$id.desktop" || fail "no MimeType in the desktop entry"
grep -q '^Exec=slimscope %f$' "$root/usr/share/applications/$id.desktop" || fail "Exec is not 'slimscope %f'"
grep -q '<glob pattern="\*.onnx"/>' "$root/usr/share/mime/packages/slimscope.xml" || fail "no *.onnx glob"
# The copyright file covers Slimscope and the bundled ONNX Runtime, in Debian's machine-readable format.
copyright="$root/usr/share/doc/slimscope/copyright"
head -1 "$copyright" | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' || fail "copyright is not DEP-5"
grep -q '^License: GPL-3+' "$copyright" || fail "copyright lacks Slimscope's licence"
grep -q '^Files: usr/lib/slimscope/libonnxruntime.so.1' "$copyright" || fail "copyright lacks ONNX Runtime"
grep -q 'QCustomPlot' "$copyright" || fail "copyright does not name QCustomPlot"

# lintian: nothing at error or warning level that the package's own overrides do not cover.
lintian --no-tag-display-limit "$deb" >"$work/lintian" 2>&1 || true
if grep -E '^[EW]: ' "$work/lintian"; then
    fail "lintian reports the errors or warnings above"
fi
grep -q '^slimscope: embedded-library' "$root/usr/share/lintian/overrides/slimscope" || fail "the overrides lost embedded-library"

# The unpacked tree runs: RUNPATH $ORIGIN/../lib/slimscope finds the package's ONNX Runtime.
cli="$root/usr/bin/slimscope-cli"
readelf -d "$cli" | grep -q 'RUNPATH.*\[\$ORIGIN/../lib/slimscope\]' || fail "slimscope-cli's RUNPATH is not \$ORIGIN/../lib/slimscope"
env -i PATH=/usr/bin:/bin ldd "$cli" | grep -q "libonnxruntime.so.1 => $root/usr/bin/../lib/slimscope/" || fail "ONNX Runtime is not found in the unpacked tree"
out=$(env -i PATH=/usr/bin:/bin "$cli" --version) || fail "slimscope-cli --version failed"
[ "$(head -1 <<<"$out")" = "slimscope-cli $version" ] || fail "--version says '$(head -1 <<<"$out")'"
grep -q '^ONNX Runtime [0-9]' <<<"$out" || fail "--version does not name ONNX Runtime's version"
out=$(env -i PATH=/usr/bin:/bin "$cli" analyze "$root/usr/share/slimscope/slimscope-sample.onnx") || fail "analyze failed"
grep -q '^Model ' <<<"$out" || fail "analyze printed no summary"

# The man page names every command --help lists.
commands=$("$cli" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && $1 ~ /^[a-z]/ { print $1 }')
[ -n "$commands" ] || fail "no commands in --help"
zcat "$root/usr/share/man/man1/slimscope-cli.1.gz" >"$work/man"
for command in $commands; do
    grep -qxF ".SS \"$command command:\"" "$work/man" || fail "the man page has no section for '$command'"
    grep -qxF ".SS \"Options of $command:\"" "$work/man" || fail "the man page lists no options of '$command'"
done
grep -q '^\.SH "EXIT STATUS"' "$work/man" || fail "the man page has no EXIT STATUS"
echo "package $deb: $(wc -l <"$work/contents") entries, lintian clean, unpacked tree runs, man page lists: $commands" | tr '\n' ' '
echo
