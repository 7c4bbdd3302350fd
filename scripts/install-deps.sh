#!/usr/bin/env bash
# Installs the Debian packages Slimscope needs to build, test and run; does nothing when all are present.
set -euo pipefail

PACKAGES=(
    cmake ninja-build ccache g++ pkg-config file
    qt6-base-dev qt6-base-dev-tools qt6-svg-dev libgl-dev
    libonnx-dev libprotobuf-dev protobuf-compiler
    libqcustomplot-dev libssl-dev
    python3-onnx python3-numpy
    xvfb xauth fonts-dejavu-core poppler-utils graphviz
    clang-format nlohmann-json3-dev libcli11-dev libeigen3-dev
    help2man lintian desktop-file-utils appstream dpkg-dev fakeroot
    clang-19 libclang-rt-19-dev # libFuzzer (scripts/fuzz.sh); clang 14 and 16 cannot parse libstdc++ 12's <expected>
)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# npm fetches ONNX Runtime's library (scripts/fetch-onnxruntime.sh); a machine may already have Node.js from
# elsewhere, so ask apt only when the command is missing.
if ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "slimscope: installing ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo)
fi
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
