#!/usr/bin/env bash
# Makes assets/fonts/NotoSansMonoCJKsc-Subset.otf: Noto Sans Mono CJK SC (Debian's
# fonts-noto-cjk, OFL 1.1) cut down to the 3755 common characters of GB 2312 level 1,
# every CJK character of the bundled walkthroughs and sources, CJK punctuation and the
# full-width forms (about 800 KB instead of 20 MB). Needs fonts-noto-cjk and fonttools
# (pip install fonttools). Run from the repository root; the result is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
chars=$(mktemp)
python3 - "$chars" <<'PY'
import glob, sys, unicodedata
chars = set()
for path in glob.glob("assets/tours/*.toml") + glob.glob("src/**/*.rs", recursive=True):
    for c in open(path, encoding="utf-8").read():
        if ord(c) > 0x2E7F and unicodedata.east_asian_width(c) in "WF":
            chars.add(c)
for b1 in range(0xB0, 0xD8):  # GB 2312 level 1
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF01, 0xFF5F)}
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(chars)))
PY
# Font 7 of the collection is Noto Sans Mono CJK SC.
pyftsubset "$src" --font-number=7 --text-file="$chars" --no-hinting --layout-features='' \
  --name-IDs='*' --output-file=assets/fonts/NotoSansMonoCJKsc-Subset.otf
rm -f "$chars"
ls -l assets/fonts/NotoSansMonoCJKsc-Subset.otf
