#!/usr/bin/python3
"""Makes DroidSansFallback-GB2312.ttf, the Chinese font MedTrace embeds.

Input: DroidSansFallbackFull.ttf from Debian 12's fonts-droid-fallback
(1:6.0.1r16-1.1, Apache-2.0). Kept: every character of GB 2312 (the 6763
common simplified hanzi and its symbols), CJK and general punctuation,
full-width forms, and every character of the app's translations
(app/translations/*.json). Dropped: hinting, vertical metrics, layout
tables (Fyne draws horizontal text only). Needs Debian's python3-fonttools
(4.38.0). Run from the repository root:

    apt-get download fonts-droid-fallback && dpkg-deb -x fonts-droid-fallback_*.deb /tmp/droid
    /usr/bin/python3 assets/fonts/subset.py /tmp/droid/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
"""
import glob
import json
import sys

from fontTools import subset

OUT = "assets/fonts/DroidSansFallback-GB2312.ttf"


def gb2312():
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def translations():
    chars = set()
    for path in sorted(glob.glob("app/translations/*.json")):
        with open(path, encoding="utf-8") as f:
            for v in json.load(f).values():
                # A counted text holds its plural forms ({"one": ..., "other": ...}).
                for text in (v.values() if isinstance(v, dict) else [v]):
                    chars.update(ord(c) for c in text)
    return chars


def main():
    src = sys.argv[1]
    cps = gb2312() | translations()
    cps |= set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = []
    opts.drop_tables += ["vhea", "vmtx", "GSUB", "GPOS", "GDEF"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    font = subset.load_font(src, opts)
    s = subset.Subsetter(opts)
    s.populate(unicodes=sorted(cps))
    s.subset(font)
    # A fixed modification time keeps the output byte-identical between runs.
    font["head"].modified = font["head"].created
    subset.save_font(font, OUT, opts)
    print(f"{OUT}: {font['maxp'].numGlyphs} glyphs")


if __name__ == "__main__":
    main()
