from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignpostingConfig(AppConfig):
    name = "signposting"
    verbose_name = _("Signposting")
