#!/usr/bin/env python3
"""Extracts the real figures of a synthetic-municipality profile from ../shared/data.

Usage: python3 datasets/profiles/extract_profile.py GM0637 zoetermeer 2711 > datasets/profiles/zoetermeer.toml

Sources: "CBS/RIVM, Gezondheid per wijk en buurt 2020" (RIVM_gezondheid2020_18plus.csv and
_65plus.csv: Eenzaam_28, ErnstigZeerErnstigEenzaam_29) and "CBS, Kerncijfers wijken en buurten
2020" (kwb2020_gemeenten_attributes.csv). Wijk and buurt names are not in the data, so they are
neutral ("Wijk 00", "Buurt 0001"). tests/synth_profiles.rs checks the shipped files against the data.
"""
import csv, sys, os

gm, name, postcode_start = sys.argv[1], sys.argv[2], int(sys.argv[3])
root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
rivm = os.path.join(root, "rivm-gezondheid-2012-2016-2020")
digits = gm[2:]

def rows(age):
    with open(os.path.join(rivm, f"RIVM_gezondheid2020_{age}.csv"), encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["Codering_3"][2:6] == digits]

def fig(v):
    return None if v.strip() == "" else float(v)

r18 = {r["Codering_3"]: r for r in rows("18plus")}
r65 = {r["Codering_3"]: r for r in rows("65plus")}
with open(os.path.join(root, "kwb-2020-gemeenten", "kwb2020_gemeenten_attributes.csv"), encoding="utf-8") as f:
    kwb = next(r for r in csv.DictReader(f) if r["GM_CODE"] == gm)

def k(col):
    return float(kwb[col])

out = []
p = out.append
p(f"# Synthetic-municipality profile: {kwb['GM_NAAM']} ({gm}).")
p("# Real figures: CBS/RIVM, Gezondheid per wijk en buurt 2020 (loneliness per wijk, 18+ and 65+);")
p("# CBS, Kerncijfers wijken en buurten 2020 (municipal structure). Licence CC BY 4.0.")
p("# Wijk and buurt names are neutral (the data has no names); wijk weights and postcodes are invented.")
p("# Regenerate: python3 datasets/profiles/extract_profile.py " + f"{gm} {name} {postcode_start}")
p(f'name = "{name}"')
p(f'gemeentecode = "{gm}"')
p(f'gemeentenaam = "{kwb["GM_NAAM"]}"')
p('sources = ["CBS/RIVM, Gezondheid per wijk en buurt 2020", "CBS, Kerncijfers wijken en buurten 2020"]')
p(f"postcode_start = {postcode_start}")
p("")
p("# CBS, Kerncijfers wijken en buurten 2020: percentages of all inhabitants (households for the")
p("# household shares).")
p("[structure]")
for key, col in [
    ("inwoners", "Aantal inwoners"),
    ("huishoudens", "Aantal huishoudens"),
    ("age_0_15", "Personen 0 tot 15 jaar (%)"),
    ("age_15_25", "Personen 15 tot 25 jaar (%)"),
    ("age_25_45", "Personen 25 tot 45 jaar (%)"),
    ("age_45_65", "Personen 45 tot 65 jaar (%)"),
    ("age_65_plus", "Personen 65 jaar en ouder (%)"),
    ("ongehuwd", "Ongehuwd (%)"),
    ("gehuwd", "Gehuwd (%)"),
    ("gescheiden", "Gescheiden (%)"),
    ("verweduwd", "Verweduwd (%)"),
    ("eenpersoonshuishoudens", "Eenpersoonshuishoudens (%)"),
    ("huishoudens_zonder_kinderen", "Huishoudens zonder kinderen (%)"),
    ("huishoudens_met_kinderen", "Huishoudens met kinderen (%)"),
    ("westers", "Westerse migratieachtergrond (% van aantal inwoners)"),
    ("marokko", "Marokkaanse migratieachtergrond (% van aantal inwoners)"),
    ("antillen", "Nederlands Antilliaanse en Arubaanse migratieachtergrond (% van aantal inwoners)"),
    ("suriname", "Surinaamse migratieachtergrond (% van aantal inwoners)"),
    ("turkije", "Turkse migratieachtergrond (% van aantal inwoners)"),
    ("overig_niet_westers", "Overige niet-westerse migratieachtergrond (% van aantal inwoners)"),
]:
    p(f"{key} = {k(col):.1f}")
p("")
g18, g65 = r18[gm], r65[gm]
p("# CBS/RIVM, Gezondheid per wijk en buurt 2020: % lonely (De Jong Gierveld >= 3) and severely")
p("# lonely (>= 9), municipality level.")
p("[loneliness]")
p(f"lonely_18plus = {fig(g18['Eenzaam_28']):.1f}")
p(f"severe_18plus = {fig(g18['ErnstigZeerErnstigEenzaam_29']):.1f}")
p(f"lonely_65plus = {fig(g65['Eenzaam_28']):.1f}")
p(f"severe_65plus = {fig(g65['ErnstigZeerErnstigEenzaam_29']):.1f}")
wijken = sorted(c for c, r in r18.items() if r["SoortRegio_2"].strip() == "Wijk")
for wk in wijken:
    p("")
    p("[[wijk]]")
    p(f'code = "{wk}"')
    p(f'name = "Wijk {wk[6:]}"')
    a, b = r18[wk], r65.get(wk)
    if fig(a["Eenzaam_28"]) is None:
        p("# RIVM suppressed this wijk (too few inhabitants): calibrated to the municipal figure and")
        p("# given a small invented weight.")
        p("weight = 0.2")
    else:
        p("weight = 1.0")
        p(f"lonely_18plus = {fig(a['Eenzaam_28']):.1f}")
        p(f"severe_18plus = {fig(a['ErnstigZeerErnstigEenzaam_29']):.1f}")
        if b is not None and fig(b["Eenzaam_28"]) is not None:
            p(f"lonely_65plus = {fig(b['Eenzaam_28']):.1f}")
            p(f"severe_65plus = {fig(b['ErnstigZeerErnstigEenzaam_29']):.1f}")
    bu = sorted(c for c, r in r18.items() if r["SoortRegio_2"].strip() == "Buurt" and c[2:8] == wk[2:8])
    p("buurten = [" + ", ".join(f'"{c}"' for c in bu) + "]")
print("\n".join(out))
