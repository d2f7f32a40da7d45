from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SignpostingConfig(AppConfig):
    name = "signposting"
    verbose_name = _("Signposting")

    def ready(self) -> None:
        from .crisis import forget_cached_lines
        from .models import CrisisLine, CrisisLineTranslation

        # Every page shows the crisis lines from the cache: a moderator's change must show at once.
        post_save.connect(forget_cached_lines, sender=CrisisLine, dispatch_uid="crisis-lines-saved")
        post_delete.connect(forget_cached_lines, sender=CrisisLine, dispatch_uid="crisis-lines-deleted")
        # Its translations are saved after the line itself (the admin's inline).
        post_save.connect(forget_cached_lines, sender=CrisisLineTranslation, dispatch_uid="crisis-words-saved")
        post_delete.connect(forget_cached_lines, sender=CrisisLineTranslation, dispatch_uid="crisis-words-deleted")
