#!/usr/bin/env bash
# Builds the Lambda package of oura-sync: target/lambda/<arch>/bootstrap.zip, holding the one
# executable `bootstrap` that a `provided.al2023` function starts (the same binary as the CLI;
# with AWS_LAMBDA_RUNTIME_API set it serves events).
#
#   scripts/package-lambda.sh [arm64|x86_64]      (default arm64, the cheaper Lambda)
#
# provided.al2023 has glibc 2.34, older than most build machines', so the binary is linked
# against glibc 2.34 with cargo-zigbuild (zig as the linker), and the script then checks that
# no symbol needs a newer glibc. Needs: rustup (the target is added when missing), zip, and
# cargo-zigbuild with zig:  pip install ziglang cargo-zigbuild  (or cargo install
# cargo-zigbuild and zig from your package manager).
#
# The release build goes to target/lambda/build (its own directory, so it does not lock or
# evict a debug build); expect several minutes the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC=2.34
arch="${1:-arm64}"
case "$arch" in
  arm64) triple=aarch64-unknown-linux-gnu machine=AArch64 ;;
  x86_64) triple=x86_64-unknown-linux-gnu machine=X86-64 ;;
  *)
    echo "usage: $0 [arm64|x86_64]  (the function's architecture; got \`$arch\`)" >&2
    exit 2
    ;;
esac

fail() {
  echo "package-lambda: $*" >&2
  exit 1
}

command -v cargo-zigbuild >/dev/null 2>&1 \
  || fail "cargo-zigbuild is not installed; run: pip install ziglang cargo-zigbuild"
command -v zip >/dev/null 2>&1 || fail "zip is not installed (apt-get install zip)"
command -v readelf >/dev/null 2>&1 || fail "readelf is not installed (apt-get install binutils)"
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$triple"; then
  rustup target add "$triple" || fail "cannot add the Rust target $triple (rustup target add $triple)"
fi

build_dir="${OURA_LAMBDA_BUILD_DIR:-$PWD/target/lambda/build}"
out="$PWD/target/lambda/$arch"
CARGO_TARGET_DIR="$build_dir" cargo zigbuild --release --locked --target "$triple.$GLIBC"
binary="$build_dir/$triple/release/oura-sync"

# The checks a function's start would otherwise make: the right machine, and no symbol
# from a glibc newer than provided.al2023's.
readelf -h "$binary" | grep -q "Machine:.*$machine" \
  || fail "$binary is not an $machine executable"
newest=$(readelf -W --dyn-syms "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
[ -n "$newest" ] || fail "$binary links no glibc symbol: not the dynamic glibc build expected"
if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC" | sort -V | tail -1)" != "$GLIBC" ]; then
  fail "$binary needs GLIBC_$newest, newer than provided.al2023's $GLIBC"
fi

mkdir -p "$out"
rm -f "$out/bootstrap" "$out/bootstrap.zip"
cp "$binary" "$out/bootstrap"
chmod 0755 "$out/bootstrap"
(cd "$out" && zip -q -9 bootstrap.zip bootstrap)
echo "package-lambda: $out/bootstrap.zip ($(stat -c %s "$out/bootstrap.zip") bytes;" \
  "bootstrap $(stat -c %s "$out/bootstrap") bytes, $machine, newest glibc symbol GLIBC_$newest)"
