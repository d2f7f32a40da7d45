import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def login_email(value: str) -> str:
    """The one spelling of an email address that logging in, and the lockout counting failed
    logins, go by: login matches addresses case-insensitively, so lockouts must too."""
    return value.strip().lower()


def axes_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The account django-axes counts a login attempt against (AXES_USERNAME_CALLABLE)."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    return login_email(source.get(settings.AXES_USERNAME_FORM_FIELD) or "")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if not extra["is_staff"] or not extra["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=login_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who logs in: organisation staff and moderators. Email is the login."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("moderator"),
        default=False,
        help_text=_("Can log in to the moderators' admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


# --- Organisation staff -----------------------------------------------------------


class Role(models.TextChoices):
    OWNER = "owner", _("Owner (can also invite and remove colleagues)")
    EDITOR = "editor", _("Editor (can change the listings)")


class Membership(models.Model):
    """A person who keeps an organisation's listings. One person may belong to several organisations."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person"))
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    created = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_one_per_person_and_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.organisation} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return reverse("editing:team", kwargs={"slug": self.organisation.slug})

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("user", "organisation"):
            return ValidationError(_("This person is already a member of this organisation."), code="unique")
        return super().unique_error_message(model_class, unique_check)


def hash_token(token: str) -> str:
    """Invitation tokens are stored hashed, so a copy of the database cannot be used to log in."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires__gt=timezone.now())


class Invitation(models.Model):
    """A single-use link that lets someone join an organisation (and set a password if they are new)."""

    email = models.EmailField(_("email address"))
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="invitations", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OWNER)
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("sent"), auto_now_add=True)
    expires = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
        verbose_name=_("accepted by"),
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return _("%(email)s to %(organisation)s") % {"email": self.email, "organisation": self.organisation}

    def get_absolute_url(self) -> str:
        # The link itself holds the secret token, which we do not keep; the team page is the next best.
        return reverse("editing:team", kwargs={"slug": self.organisation.slug})

    def is_expired(self) -> bool:
        return self.expires <= timezone.now()

    def is_usable(self) -> bool:
        return self.used_at is None and not self.is_expired()


class ClaimState(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Claim(models.Model):
    """Someone asks to look after an organisation already listed; a moderator approves or refuses."""

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="claims", verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("account"),
        help_text=_("Set when the person was logged in."),
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email address"))
    role_at_organisation = models.CharField(_("role at the organisation"), max_length=150, blank=True)
    message = models.TextField(_("message"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ClaimState.choices, default=ClaimState.PENDING, db_index=True
    )
    created = models.DateTimeField(_("received"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims_reviewed",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Sent to the person when a claim is refused."))

    class Meta:
        ordering = ["-created"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return _("%(email)s claims %(organisation)s") % {"email": self.email, "organisation": self.organisation}

    def get_absolute_url(self) -> str:
        return self.organisation.get_absolute_url()

    @property
    def is_pending(self) -> bool:
        return self.state == ClaimState.PENDING


# --- Audit log --------------------------------------------------------------------


class Action(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOCKED_OUT = "login.locked_out", _("Locked out after wrong passwords")
    INVITATION_SENT = "invitation.sent", _("Invitation sent")
    INVITATION_ACCEPTED = "invitation.accepted", _("Invitation accepted")
    MEMBER_REMOVED = "membership.removed", _("Member removed")
    CLAIM_SUBMITTED = "claim.submitted", _("Claim submitted")
    CLAIM_APPROVED = "claim.approved", _("Claim approved")
    CLAIM_REFUSED = "claim.refused", _("Claim refused")
    CHANGE_SUBMITTED = "revision.submitted", _("Change submitted")
    CHANGE_APPROVED = "revision.approved", _("Change approved")
    CHANGE_REJECTED = "revision.rejected", _("Change rejected")
    VERSION_RESTORED = "revision.restored", _("Earlier version restored")
    CONFIRMED = "listing.confirmed", _("Confirmed still correct")
    CONFIRMED_BY_LINK = "listing.confirmed_by_link", _("Confirmed still correct through an emailed link")
    ONE_TAP_LINK_SENT = "listing.link_sent", _("One-tap confirmation link sent")
    REMINDER_SENT = "reminder.sent", _("Freshness reminder sent")


class AuditEntry(models.Model):
    """One thing someone did: who, when, what, to which object, with before/after where relevant.
    Written only through accounts.audit.log_action; never edited."""

    created = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    # Kept as text as well, so the record survives the account being deleted.
    user_email = models.CharField(_("who (email)"), max_length=254, blank=True)
    action = models.CharField(_("what"), max_length=30, choices=Action.choices, db_index=True)
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.user_email or '-'} {self.get_action_display()} {self.object_repr}"

    def get_absolute_url(self) -> str:
        return reverse("admin:accounts_auditentry_change", args=[self.pk])
