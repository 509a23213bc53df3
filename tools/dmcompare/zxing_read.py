"""Reads images with zxing-cpp (Debian's python3-zxing-cpp) for dmcompare.

Reads one image path per line on standard input and answers each at once
with one JSON line (so dmcompare can interleave the two decoders image by
image): the Data Matrix symbols found (their bytes in hex) and the median
wall and process CPU time of `reps` calls of zxingcpp.read_barcodes on the
image, already loaded as a grey numpy array (loading is not timed, as
dmcompare does not time it for MedTrace either).
"""
import json
import sys
import time

import numpy
import zxingcpp
from PIL import Image


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    fmt = zxingcpp.BarcodeFormat.DataMatrix
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        out = {"path": path}
        try:
            im = Image.open(path)
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                # Transparent pixels over white, as MedTrace's decoder sees them.
                im = im.convert("RGBA")
                white = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(white, im)
            img = numpy.ascontiguousarray(numpy.asarray(im.convert("L")))
        except Exception as e:  # an unreadable file is reported, not fatal
            out["error"] = str(e)
            print(json.dumps(out), flush=True)
            continue
        times, cpus = [], []
        results = []
        for i in range(reps):
            t0, c0 = time.perf_counter(), time.process_time()
            res = zxingcpp.read_barcodes(img, formats=fmt)
            cpus.append(time.process_time() - c0)
            times.append(time.perf_counter() - t0)
            if i == 0:
                results = res
        times.sort()
        cpus.sort()
        out["ms"] = times[len(times) // 2] * 1000
        out["cpu_ms"] = cpus[len(cpus) // 2] * 1000
        out["symbols"] = [
            {"hex": bytes(r.bytes).hex(), "text": r.text, "aim": r.symbology_identifier}
            for r in results
            if r.valid
        ]
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
