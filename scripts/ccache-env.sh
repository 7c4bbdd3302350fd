# Sourced by the build scripts. ccache reuses objects between clones in different folders (CI builds a fresh clone
# every time) and keeps room for the three builds (release, asan, fuzz) so that one does not push the others out.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
