#!/usr/bin/env bash
# Builds the compiler-output corpus: the C functions of harness/corpus/src compiled by Debian's gcc and
# clang for x86-64 and AArch64 at several optimisation levels, each build linked into one static
# ELF at a fixed address. Tests load these into the sandbox and call the functions.
# Skips builds that are newer than every source.
set -euo pipefail
cd "$(dirname "$0")/.."
src=harness/corpus/src
out=harness/corpus/build
mkdir -p "$out"

common=(-ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-asynchronous-unwind-tables
        -nostdlib -static -Wl,-e,0 -Wl,--build-id=none -Wl,-z,norelro)
gcc_only=(-fno-tree-loop-distribute-patterns -no-pie)
sources=("$src"/*.c)

# name | compiler command | flags
builds=(
  "x64-gcc-O0|gcc|-O0"
  "x64-gcc-O1|gcc|-O1"
  "x64-gcc-O2|gcc|-O2"
  "x64-gcc-Os|gcc|-Os"
  "x64-gcc-O3|gcc|-O3"
  "x64-gcc-O3-v2|gcc|-O3 -march=x86-64-v2"
  "x64-gcc-O2-cet|gcc|-O2 -fcf-protection=full"
  "x64-clang-O0|clang-14|-O0"
  "x64-clang-O1|clang-14|-O1"
  "x64-clang-O2|clang-14|-O2"
  "x64-clang-Os|clang-14|-Os"
  "x64-clang-O3|clang-14|-O3"
  "x64-clang-O3-v2|clang-14|-O3 -march=x86-64-v2"
  "x64-clang-O2-cet|clang-14|-O2 -fcf-protection=full"
  "arm64-gcc-O0|aarch64-linux-gnu-gcc|-O0"
  "arm64-gcc-O1|aarch64-linux-gnu-gcc|-O1"
  "arm64-gcc-O2|aarch64-linux-gnu-gcc|-O2"
  "arm64-gcc-Os|aarch64-linux-gnu-gcc|-Os"
  "arm64-gcc-O3|aarch64-linux-gnu-gcc|-O3"
  "arm64-gcc-O2-pac|aarch64-linux-gnu-gcc|-O2 -mbranch-protection=standard"
  "arm64-gcc-O2-tiny|aarch64-linux-gnu-gcc|-O2 -mcmodel=tiny -mpc-relative-literal-loads"
  "arm64-clang-O0|clang-14 --target=aarch64-linux-gnu|-O0"
  "arm64-clang-O1|clang-14 --target=aarch64-linux-gnu|-O1"
  "arm64-clang-O2|clang-14 --target=aarch64-linux-gnu|-O2"
  "arm64-clang-Os|clang-14 --target=aarch64-linux-gnu|-Os"
  "arm64-clang-O3|clang-14 --target=aarch64-linux-gnu|-O3"
  "arm64-clang-O2-pac|clang-14 --target=aarch64-linux-gnu|-O2 -mbranch-protection=standard"
)

newest_source=$(ls -t "$src"/* "$0" | head -n 1)
built=0
for build in "${builds[@]}"; do
  IFS='|' read -r name compiler flags <<<"$build"
  target="$out/$name.elf"
  if [ -f "$target" ] && [ "$target" -nt "$newest_source" ]; then continue; fi
  extra=()
  case "$compiler" in
    *gcc*) extra=("${gcc_only[@]}") ;;
    *aarch64*) ;;
  esac
  case "$compiler" in
    clang-14\ --target=aarch64*) extra=(-fuse-ld=/usr/bin/aarch64-linux-gnu-ld) ;;
  esac
  # shellcheck disable=SC2086
  $compiler $flags "${common[@]}" "${extra[@]}" -o "$target.tmp" "${sources[@]}"
  mv "$target.tmp" "$target"
  built=$((built + 1))
done
echo "corpus: ${#builds[@]} builds in $out ($built rebuilt)"
