from django.conf import settings
from django.http import HttpRequest

from . import map_cache
from .models import Organisation

# Whether sample listings are published, for the directory's version (map_cache.kept_in_process).
_examples: dict = {}


def published_examples():
    """Published organisations from the sample data: while there are any, every page says
    the listings are examples. Answered from the partial index `organisation_examples`
    (only example rows are in it), so it costs next to nothing however many
    organisations are listed."""
    return Organisation.objects.published().filter(is_example=True)


def site(request: HttpRequest) -> dict:
    """Site-wide names and whether the sample listings are loaded (said on every page)."""

    def showing_examples() -> bool:
        return map_cache.kept_in_process(_examples, published_examples().exists)

    return {
        "SITE_NAME": settings.SITE_NAME,
        "REGION_NAME": settings.REGION_NAME,
        # Lazy: only pages that render the banner pay for the query.
        "showing_examples": showing_examples,
    }
