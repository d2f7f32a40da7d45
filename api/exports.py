"""The whole published directory as HSDS 3.0 JSON files: one array per document
type, as the API would give them fully nested. Used by `export_hsds` and by the
moderators' download in the admin."""

import io
import json
import zipfile
from pathlib import Path

from . import hsds
from .taxonomies import TAXONOMIES, all_terms


def hsds_files(site: hsds.Site) -> dict[str, list[dict]]:
    services = list(hsds.published_services().order_by("name", "pk"))
    organisations = hsds.published_organisations().order_by("name", "pk")
    return {
        "services.json": [hsds.service_document(service, site) for service in services],
        "organizations.json": [
            hsds.organization_document(organisation, organisation.public_services, site)
            for organisation in organisations
        ],
        "service_at_locations.json": [
            hsds.service_at_location_document(service, location, site)
            for service in services
            for location in hsds.related(service, "locations")
        ],
        "taxonomies.json": [hsds.taxonomy_document(taxonomy, site) for taxonomy in TAXONOMIES],
        "taxonomy_terms.json": [hsds.term_document(term, site) for term in all_terms()],
    }


def _dump(documents: list[dict]) -> str:
    return json.dumps(documents, ensure_ascii=False, indent=2) + "\n"


def write_hsds(directory: Path, site: hsds.Site) -> dict[str, int]:
    """Write each file into the directory (created if need be); how many documents each holds."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, documents in hsds_files(site).items():
        (directory / name).write_text(_dump(documents), encoding="utf-8")
        counts[name] = len(documents)
    return counts


def hsds_zip(site: hsds.Site) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, documents in hsds_files(site).items():
            archive.writestr(name, _dump(documents))
    return buffer.getvalue()
