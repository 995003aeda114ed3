#!/usr/bin/env python3
"""Extracts the RIVM 2020 loneliness figures per gemeente and wijk that the HTML report shows
beside the engine's own estimates.

Usage: python3 datasets/reference/extract_rivm2020.py > datasets/reference/rivm2020_wijken.csv

Source: "CBS/RIVM, Gezondheid per wijk en buurt 2012/2016/2020 (indeling 2020)", StatLine table
50090NED, licence CC BY 4.0, file RIVM_gezondheid2020_18plus.csv in
../shared/data/rivm-gezondheid-2012-2016-2020/. Kept: every gemeente and wijk row (no buurten),
% lonely (Eenzaam_28, De Jong Gierveld score >= 3) and % severely lonely
(ErnstigZeerErnstigEenzaam_29, score >= 9) of residents aged 18+, exactly as published (an empty
value is a figure RIVM suppressed). Wijk names are not in the export. The rows keep the order of
the source file. tests/report_reference.rs re-derives this file from the shared data and checks it
matches.
"""
import csv, os, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data")
path = os.path.join(root, "rivm-gezondheid-2012-2016-2020", "RIVM_gezondheid2020_18plus.csv")
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["gemeentecode", "gemeentenaam", "niveau", "code", "eenzaam_pct", "ernstig_eenzaam_pct"])
with open(path, encoding="utf-8") as f:
    for r in csv.DictReader(f):
        soort = r["SoortRegio_2"].strip()
        if soort not in ("Gemeente", "Wijk"):
            continue
        code = r["Codering_3"].strip()
        out.writerow([
            "GM" + code[2:6],
            r["Gemeentenaam_1"].strip(),
            soort.lower(),
            code,
            r["Eenzaam_28"].strip(),
            r["ErnstigZeerErnstigEenzaam_29"].strip(),
        ])
