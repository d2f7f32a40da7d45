from django.conf import settings
from django.http import HttpRequest

from .models import Organisation


def site(request: HttpRequest) -> dict:
    """Site-wide names and whether the sample listings are loaded (said on every page)."""

    def showing_examples() -> bool:
        return Organisation.objects.published().filter(is_example=True).exists()

    return {
        "SITE_NAME": settings.SITE_NAME,
        "REGION_NAME": settings.REGION_NAME,
        # Lazy: only pages that render the banner pay for the query.
        "showing_examples": showing_examples,
    }
