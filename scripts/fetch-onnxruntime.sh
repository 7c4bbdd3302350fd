#!/usr/bin/env bash
# Puts ONNX Runtime into third_party/onnxruntime/ (git-ignored) for the optional verification layer:
#   include/   C/C++ API headers of Debian 13 (trixie)'s libonnxruntime-dev (1.21)
#   copyright  that package's copyright file (ONNX Runtime's licences and third-party notices, for the .deb)
#   lib/       libonnxruntime.so.1 from the npm package onnxruntime-node (1.30) + a libonnxruntime.so symlink
#   node/      that npm install itself (node_modules/onnxruntime-node), for ../shared/tools/ort_compare.mjs
#              (ORT_DIR=third_party/onnxruntime/node)
# The C API is versioned (OrtGetApiBase()->GetApi(ORT_API_VERSION)), so 1.21 headers work with the 1.30 library.
#
# Idempotent: each part is fetched only when missing. Does nothing when the system has libonnxruntime-dev
# installed (CMake's FindOnnxRuntime uses that); --force fetches anyway (e.g. for the ort_compare oracle).
# Reaches only Debian's mirror and the npm registry. The system's apt configuration is never touched: trixie's
# package lists live in a private temporary apt state.
set -euo pipefail

ORT_NODE_VERSION=1.30.0
DEBIAN_SUITE=trixie
DEBIAN_MIRROR=http://deb.debian.org/debian
# libonnxruntime-dev_1.21.0+dfsg-1_amd64.deb; checked only on the unsigned fallback path below.
PINNED_DEB_SHA256_AMD64=14f7d959d5deacbcf1504830d4189f91fc67382b399ed9ae9d3aa9c4050ced08

force=0
for arg in "$@"; do
    case "$arg" in
    --force) force=1 ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        echo "usage: $0 [--force]"
        exit 0
        ;;
    *)
        echo "fetch-onnxruntime: unknown argument '$arg'" >&2
        exit 2
        ;;
    esac
done

cd "$(dirname "$0")/.."
dest="$PWD/third_party/onnxruntime"

if [ "$force" -eq 0 ] && dpkg-query -W -f='${Status}' libonnxruntime-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "fetch-onnxruntime: the system's libonnxruntime-dev is installed; nothing to do (--force fetches anyway)"
    exit 0
fi

deb_arch="$(dpkg --print-architecture)"
case "$deb_arch" in
amd64) node_arch=x64 ;;
arm64) node_arch=arm64 ;;
*)
    echo "fetch-onnxruntime: onnxruntime-node ships no Linux library for '$deb_arch'" >&2
    exit 1
    ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/slimscope-ort.XXXXXX")"
trap 'rm -rf "$work"' EXIT

have_headers() {
    [ -f "$dest/include/onnxruntime_c_api.h" ] && [ -f "$dest/include/onnxruntime_cxx_api.h" ] && [ -f "$dest/copyright" ]
}

node_lib="$dest/node/node_modules/onnxruntime-node/bin/napi-v6/linux/$node_arch/libonnxruntime.so.1"
have_node() {
    [ -f "$node_lib" ] && [ "$(node -p "require('$dest/node/node_modules/onnxruntime-node/package.json').version" 2>/dev/null)" = "$ORT_NODE_VERSION" ]
}

fetch_headers() {
    local apt_dir="$work/apt"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$work/deb"
    # A private apt state: only this sources.list, no system sources, preferences or pins. The system's
    # trusted keys stay in use (Debian 12's debian-archive-keyring carries trixie's keys).
    local apt_opts=(
        -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o APT::Get::List-Cleanup=0 -q
    )
    # apt's download sandbox user (_apt) must be able to write the private folders.
    if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
        chmod 0755 "$work"
        chown -R _apt "$apt_dir" "$work/deb"
    fi
    local insecure=0
    echo "deb $DEBIAN_MIRROR $DEBIAN_SUITE main" >"$apt_dir/sources.list"
    if ! apt-get "${apt_opts[@]}" update >"$work/apt-update.log" 2>&1 || grep -q '^W: .*NO_PUBKEY\|^E: ' "$work/apt-update.log"; then
        # Only when this machine's keyring lacks trixie's key: an unsigned list for this private download alone,
        # with the .deb then checked against a pinned SHA-256 instead of the Release signature.
        echo "fetch-onnxruntime: trixie's Release signature could not be checked; retrying unsigned for this private download" >&2
        insecure=1
        echo "deb [trusted=yes] $DEBIAN_MIRROR $DEBIAN_SUITE main" >"$apt_dir/sources.list"
        apt-get "${apt_opts[@]}" -o Acquire::AllowInsecureRepositories=true update >"$work/apt-update.log" 2>&1 || {
            cat "$work/apt-update.log" >&2
            exit 1
        }
    fi
    (cd "$work/deb" && apt-get "${apt_opts[@]}" download libonnxruntime-dev) || exit 1
    local deb
    deb="$(ls "$work"/deb/libonnxruntime-dev_*.deb)"
    if [ "$insecure" -eq 1 ]; then
        if [ "$deb_arch" != amd64 ] || [ "$(sha256sum "$deb" | cut -d' ' -f1)" != "$PINNED_DEB_SHA256_AMD64" ]; then
            echo "fetch-onnxruntime: $(basename "$deb") does not match the pinned SHA-256; refusing an unsigned download" >&2
            exit 1
        fi
    fi
    dpkg-deb -x "$deb" "$work/root"
    mkdir -p "$dest"
    rm -rf "$dest/include.tmp"
    cp -a "$work/root/usr/include/onnxruntime" "$dest/include.tmp"
    rm -rf "$dest/include"
    mv "$dest/include.tmp" "$dest/include"
    # Debian's record of ONNX Runtime's licences and third-party notices: the .deb's copyright file quotes it.
    cp "$work/root/usr/share/doc/libonnxruntime-dev/copyright" "$dest/copyright.tmp"
    mv -f "$dest/copyright.tmp" "$dest/copyright"
    echo "fetch-onnxruntime: headers of $(basename "$deb") -> $dest/include, its copyright -> $dest/copyright"
}

fetch_node() {
    mkdir -p "$work/node"
    # ONNXRUNTIME_NODE_INSTALL=skip and --ignore-scripts: the post-install would try to download GPU
    # providers; the CPU library is inside the package.
    (cd "$work" && ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix "$work/node" --ignore-scripts \
        --no-audit --no-fund --loglevel=error "onnxruntime-node@$ORT_NODE_VERSION")
    # The package carries every platform's binaries (~290 MB); keep only this one's (~45 MB).
    local bin="$work/node/node_modules/onnxruntime-node/bin/napi-v6"
    find "$bin" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
    find "$bin/linux" -mindepth 1 -maxdepth 1 ! -name "$node_arch" -exec rm -rf {} +
    mkdir -p "$dest"
    rm -rf "$dest/node"
    mv "$work/node" "$dest/node"
    echo "fetch-onnxruntime: onnxruntime-node@$ORT_NODE_VERSION -> $dest/node"
}

install_lib() {
    mkdir -p "$dest/lib"
    # A hard link where possible (no second 45 MB copy), a copy otherwise; lib/ stays valid if node/ goes.
    rm -f "$dest/lib/libonnxruntime.so.1.tmp"
    ln "$node_lib" "$dest/lib/libonnxruntime.so.1.tmp" 2>/dev/null || cp "$node_lib" "$dest/lib/libonnxruntime.so.1.tmp"
    mv -f "$dest/lib/libonnxruntime.so.1.tmp" "$dest/lib/libonnxruntime.so.1"
    ln -sfn libonnxruntime.so.1 "$dest/lib/libonnxruntime.so"
    echo "fetch-onnxruntime: $dest/lib/libonnxruntime.so.1"
}

have_headers || fetch_headers
have_node || fetch_node
if ! cmp -s "$node_lib" "$dest/lib/libonnxruntime.so.1" || [ ! -L "$dest/lib/libonnxruntime.so" ]; then
    install_lib
fi
echo "fetch-onnxruntime: ONNX Runtime is in $dest (ORT_DIR=$dest/node for ort_compare.mjs)"
