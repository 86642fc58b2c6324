#!/usr/bin/env bash
# GENERATED for this assignment from datasets/get_datasets.sh (convkit).
# Students: `bash datasets/get_datasets.sh` downloads CIFAR-10 (optional: the notebooks have a synthetic stand-in).
# Download CIFAR-10 (python version) into cifar-10-batches-py/ beside this script.
#
#   bash datasets/get_datasets.sh
#
# 1. If cifar-10-batches-py/ is already there and verified, say so and stop.
# 2. Download the archive with curl (or wget), resuming a partial download.
# 3. Check its MD5; a bad archive is deleted.
# 4. Extract it into a temporary folder, then move the folder into place, so an
#    interrupted run never leaves a folder that looks complete.
# 5. Delete the archive.
#
# Environment:
#   CIFAR10_URL  where to download from (default: the official address)
#   CIFAR10_MD5  the archive's MD5 checksum (default: the official archive's)
#
# Without CIFAR-10 the notebooks use the synthetic dataset of cs231n/synthetic.py.
set -euo pipefail

URL="${CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz}"
MD5="${CIFAR10_MD5:-c58f30108f718f92721af3b95e74349a}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME="cifar-10-batches-py"
DEST="$HERE/$NAME"
ARCHIVE="$HERE/cifar-10-python.tar.gz"
# Written into $DEST last: the archive's MD5, then "size name" for every file.
STAMP=".verified"
FILES=(data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch batches.meta)
NO_DATA_HINT="without CIFAR-10 the notebooks use the built-in synthetic dataset"

say() { printf 'get_datasets.sh: %s\n' "$*"; }
fail() {
    printf 'get_datasets.sh: %s\n' "$*" >&2
    exit 1
}

# Print the MD5 of a file, with md5sum (Linux) or md5 -q (macOS).
md5_of() {
    if command -v md5sum >/dev/null 2>&1; then
        md5sum "$1" | cut -d ' ' -f 1
    else
        md5 -q "$1"
    fi
}

# Print the size of a file in bytes (wc pads it with spaces on macOS).
size_of() {
    local n
    n="$(wc -c <"$1")"
    echo $((n))
}

# Succeed if the folder $1 holds every file, with the sizes its stamp recorded
# when the archive with checksum $MD5 was extracted.
is_valid() {
    local dir="$1" line size file
    [[ -f "$dir/$STAMP" ]] || return 1
    { read -r line && [[ "$line" == "md5 $MD5" ]]; } <"$dir/$STAMP" || return 1
    for file in "${FILES[@]}"; do
        [[ -f "$dir/$file" ]] || return 1
        line="$(grep -E " $file\$" "$dir/$STAMP")" || return 1
        size="${line%% *}"
        [[ "$(size_of "$dir/$file")" == "$size" ]] || return 1
    done
}

# Download $URL to $ARCHIVE, continuing a partial file if there is one.
download() {
    local status=0 tool
    if command -v curl >/dev/null 2>&1; then
        tool=curl
        say "downloading $URL with curl"
        curl --fail --location --connect-timeout 30 --retry 3 --continue-at - \
            --output "$ARCHIVE" "$URL" || status=$?
    elif command -v wget >/dev/null 2>&1; then
        tool=wget
        say "downloading $URL with wget"
        wget --continue --timeout=30 --tries=3 --output-document="$ARCHIVE" "$URL" || status=$?
    else
        fail "neither curl nor wget is installed: install one of them, or download $URL" \
            "yourself into $HERE/ and run this script again ($NO_DATA_HINT)"
    fi
    if ((status != 0)); then
        if [[ -s "$ARCHIVE" ]]; then
            say "the partial download is kept in $ARCHIVE: run this script again to resume it" >&2
        fi
        fail "could not download $URL ($tool exit code $status); check your connection or set" \
            "CIFAR10_URL to a mirror; $NO_DATA_HINT"
    fi
}

if is_valid "$DEST"; then
    say "CIFAR-10 is already in $DEST and complete; nothing to do"
    exit 0
fi

command -v md5sum >/dev/null 2>&1 || command -v md5 >/dev/null 2>&1 ||
    fail "neither md5sum nor md5 is installed, so the download cannot be checked"

# A complete archive left by an interrupted run needs no download.
if [[ -f "$ARCHIVE" && "$(md5_of "$ARCHIVE")" == "$MD5" ]]; then
    say "using the archive already downloaded, $ARCHIVE"
else
    download
    actual="$(md5_of "$ARCHIVE")"
    if [[ "$actual" != "$MD5" ]]; then
        rm -f "$ARCHIVE"
        fail "checksum mismatch for $URL: expected MD5 $MD5, got $actual; the archive was" \
            "deleted, run this script again to download it afresh (or set CIFAR10_URL to a" \
            "mirror); $NO_DATA_HINT"
    fi
    say "checksum OK ($MD5)"
fi

# Extract beside the destination (same file system, so the final move is a rename),
# after removing what a run killed outright may have left.
rm -rf "$HERE/.$NAME.partial-"*
TMP="$(mktemp -d "$HERE/.$NAME.partial-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM # exit through the EXIT trap
say "extracting into $DEST"
tar -xzf "$ARCHIVE" -C "$TMP"
for file in "${FILES[@]}"; do
    [[ -f "$TMP/$NAME/$file" ]] ||
        fail "the archive has no $NAME/$file; is $URL the python version of CIFAR-10?"
done
{
    echo "md5 $MD5"
    for file in "${FILES[@]}"; do
        echo "$(size_of "$TMP/$NAME/$file") $file"
    done
} >"$TMP/$NAME/$STAMP"

# Swap the new folder in; an old incomplete one goes into $TMP, deleted on exit.
if [[ -e "$DEST" ]]; then
    say "replacing the incomplete $DEST"
    mv "$DEST" "$TMP/old"
fi
mv "$TMP/$NAME" "$DEST"
rm -f "$ARCHIVE"
say "CIFAR-10 is ready in $DEST"
