#!/usr/bin/env bash
# Interoperability of authcrypt with other DIDComm v2 implementations, in both directions.
# Installs each peer at pinned versions (didcomm-python from PyPI into interop/.venv,
# didcomm-rust built into interop/rust-peer/target), runs the matrix of
# tests/interop.rs against it, and ends with "interop: N passed, M failed". Exits non-zero on
# any failure, a peer that cannot be installed included.
#
#   interop/run.sh                  every peer (python, rust)
#   interop/run.sh python           only didcomm-python (likewise: rust)
#   AUTHCRYPT_INTEROP_SKIP=1 interop/run.sh    skips the step locally (refused when CI is set)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${AUTHCRYPT_INTEROP_SKIP:-}" = 1 ]; then
    if [ -n "${CI:-}" ]; then
        echo "interop: AUTHCRYPT_INTEROP_SKIP=1 is not honoured in CI" >&2
        exit 1
    fi
    echo "interop: skipped (AUTHCRYPT_INTEROP_SKIP=1)"
    exit 0
fi

peers=("$@")
[ "${#peers[@]}" -gt 0 ] || peers=(python rust)
for p in "${peers[@]}"; do
    case "$p" in
        python | rust) ;;
        *) echo "usage: interop/run.sh [python] [rust]" >&2; exit 2 ;;
    esac
done

start=$SECONDS
out=$root/interop/.out
rm -rf "$out"
mkdir -p "$out"
export AUTHCRYPT_INTEROP_OUT=$out
status=0
ran=()

install_python() {
    # Reinstalled whenever the pins change; --no-deps so that exactly the pinned set is used.
    # (Called in a condition, where set -e does not apply: every step checks for itself.)
    local venv=$root/interop/.venv req=$root/interop/python/requirements.txt
    if ! cmp -s "$req" "$venv/.requirements.txt"; then
        echo "interop: installing $(grep '^didcomm==' "$req") and its pinned dependencies"
        rm -rf "$venv"
        python3 -m venv "$venv" || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req" ||
            return 1
        "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null || return 1
        cp "$req" "$venv/.requirements.txt" || return 1
    fi
    "$venv/bin/python" "$root/interop/python/peer.py" version >/dev/null || return 1
    export AUTHCRYPT_INTEROP_PYTHON=$venv/bin/python
}

install_rust() {
    # A crate of its own (own workspace, lock file and target directory).
    CARGO_TARGET_DIR=$root/interop/rust-peer/target \
        cargo build --locked --quiet --manifest-path "$root/interop/rust-peer/Cargo.toml" ||
        return 1
    export AUTHCRYPT_INTEROP_RUST_PEER=$root/interop/rust-peer/target/debug/didcomm-rust-peer
}

for p in "${peers[@]}"; do
    case "$p" in
        python) test_name=didcomm_python name=didcomm-python ;;
        rust) test_name=didcomm_rust name=didcomm-rust ;;
    esac
    ran+=("$name")
    if ! "install_$p"; then
        echo "interop: $name could not be installed" >&2
        status=1
        continue
    fi
    echo "interop: $name ready after $((SECONDS - start)) s"
    cargo test --locked --test interop -- --ignored --exact "$test_name" --nocapture || status=1
done

# One closing line over every peer; a peer whose run left no summary counts as one failure.
passed=0
failed=0
for name in "${ran[@]}"; do
    summary=$out/$name/summary.txt
    if [ -f "$summary" ]; then
        read -r n m < <(sed -E 's/^interop: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' "$summary")
        passed=$((passed + n))
        failed=$((failed + m))
    else
        echo "interop: $name produced no results" >&2
        failed=$((failed + 1))
    fi
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
echo "interop: took $((SECONDS - start)) s"
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
