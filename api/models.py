from django.utils.translation import gettext_lazy as _

from partners.models import Service


class Export(Service):
    """No table of its own: gives the moderators' admin an "Open data exports" page."""

    class Meta:
        proxy = True
        verbose_name = _("open data export")
        verbose_name_plural = _("open data exports")
