"""Render a fixed set of public pages and keep their HTML, to show a change leaves it alone.

    manage.py render_pages --out /tmp/before        # on the code before a change
    manage.py render_pages --out /tmp/after --compare /tmp/before

Renders, with the test client in this process, the pages whose cost issue 12 measures
(searches with and without filters, a keyword and a place search, page 2, a page under a
language prefix, a service page in English and in Urdu, the home page) on the data it
finds (`manage.py seed_synthetic` makes some), with the per-request tokens (CSRF, CSP
nonces) replaced by a placeholder. With --compare it fails, naming the pages and the first
difference, unless every page is byte-for-byte the same as the kept one. Run both renders
close together: a few words depend on the clock (open now, "last checked").
"""

import difflib
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from partners.models import Postcode, Service

_TOKENS = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")'),
    re.compile(r'(nonce=")[^"]+(")'),
]


def normalised(html: str) -> str:
    """The page without what changes on every request (CSRF tokens, CSP nonces)."""
    for pattern in _TOKENS:
        html = pattern.sub(r"\1-\2", html)
    return html


def page_paths() -> dict[str, str]:
    """name -> path of every page rendered, for the data in the database."""
    service = Service.objects.public().order_by("slug").values_list("slug", flat=True).first()
    postcode = Postcode.objects.order_by("postcode").values_list("postcode", flat=True).first()
    paths = {
        "home": "/",
        "search": "/search/",
        "search-page-2": "/search/?page=2",
        "search-filters": "/search/?language=ur&support=counselling",
        "search-many-filters": "/search/?language=pa&community=pakistani-kashmiri&mode=phone&age=30&sort=name",
        "search-words": "/search/?q=counselling",
        "search-bad-input": "/search/?age=old&language=zz&page=9999&radius=x",
        "ur-search": "/ur/search/?language=ur",
        "ar-search-page-2": "/ar/search/?support=counselling&page=2",
    }
    if postcode:
        paths["search-place"] = f"/search/?postcode={postcode.replace(' ', '+')}&radius=10"
    if service:
        paths["service"] = f"/services/{service}/"
        paths["ur-service"] = f"/ur/services/{service}/"
    return paths


def render_all(client: Client | None = None) -> dict[str, tuple[int, str]]:
    """name -> (status, normalised HTML) of every page."""
    client = client or Client()
    pages = {}
    for name, path in page_paths().items():
        response = client.get(path)
        pages[name] = (response.status_code, normalised(response.content.decode()))
    return pages


class Command(BaseCommand):
    help = "Render a fixed set of public pages to files; with --compare, fail unless they equal a kept set."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="Folder to write the pages to")
        parser.add_argument("--compare", type=Path, default=None, help="Folder of pages rendered before")

    def handle(self, *args, out: Path, compare: Path | None, **options):
        out.mkdir(parents=True, exist_ok=True)
        pages = render_all()
        for name, (status, html) in pages.items():
            (out / f"{name}.html").write_text(f"<!-- {status} -->\n{html}", encoding="utf-8")
        self.stdout.write(f"{len(pages)} pages written to {out}")
        if compare is None:
            return
        differ = []
        for name in pages:
            kept = compare / f"{name}.html"
            now = (out / f"{name}.html").read_text(encoding="utf-8")
            if not kept.exists():
                differ.append(f"{name}: not in {compare}")
                continue
            before = kept.read_text(encoding="utf-8")
            if before != now:
                diff = difflib.unified_diff(before.splitlines(), now.splitlines(), "before", "after", n=1, lineterm="")
                differ.append(f"{name}:\n" + "\n".join(list(diff)[:12]))
        if differ:
            raise CommandError("Pages differ:\n" + "\n".join(differ))
        self.stdout.write(f"All {len(pages)} pages are the same as in {compare}")
