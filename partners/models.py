"""The directory's data: organisations, the services they run, where, in which
languages, for whom, and how to get in. Field names follow Open Referral's
HSDS 3.0 where it has one, so the open-data API maps onto them directly."""

import re
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.links import slug_address
from directory.seeded import in_visitor_language

from .hours import MINUTES_A_DAY, HoursError, WeeklyHours, parse_hours, read_hours
from .languages import is_translation_language, translation_languages


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Cost(models.TextChoices):
    FREE = "free", _("Free")
    LOW_COST = "low-cost", _("Low cost")
    PAID = "paid", _("Paid")


class Gender(models.TextChoices):
    ANY = "any", _("Anyone")
    WOMEN = "women", _("Women")
    MEN = "men", _("Men")


class LanguageProvision(models.TextChoices):
    STAFF = "staff", _("Staff speak it")
    INTERPRETER = "interpreter", _("Through an interpreter")
    WRITTEN = "written", _("Written information")
    PHONE = "phone", _("Phone line")


class ReferralKind(models.TextChoices):
    SELF = "self", _("Self-referral")
    GP = "gp", _("GP or other health professional")
    PROFESSIONAL = "professional", _("Other professional (social worker, school, organisation)")
    DROP_IN = "drop-in", _("Drop in")


class ReferralMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WEB_FORM = "web-form", _("Online form")
    IN_PERSON = "in-person", _("In person")


class Capacity(models.TextChoices):
    """A service's answer to "are you taking new people?": a fact about today, kept with
    when it was given (editing/capacity.py records it; partners/capacity.py ages it)."""

    OPEN = "open", _("Taking new people")
    WAITING = "waiting", _("Waiting list")
    CLOSED = "closed", _("Not taking new people for now")


class TextDirection(models.TextChoices):
    LTR = "ltr", _("Left to right")
    RTL = "rtl", _("Right to left")


def dialable(number: str) -> str:
    """A phone number as people write it ("01632 960 102", "+44 (0)7700 900123"), as digits and + to dial."""
    digits = re.sub(r"[^0-9+]", "", number or "")
    # "+44 (0)…": the (0) is not dialled after the country code.
    return "+44" + digits[4:] if digits.startswith("+440") else digits


# A UK mobile number, the only kind that takes texts.
MOBILE_RE = re.compile(r"(07|\+447)\d{9}$")


# --- Reference data -------------------------------------------------------------


class Term(models.Model):
    """A term of one of the fixed vocabularies. Slugs are public: URLs and the
    import format use them, so they never change once published."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name as public pages show it: in the visitor's language while it is the name
        the directory seeded (partners/reference_data.py), as typed once a moderator changed it.
        The admin, the API and the CSV files use `name`, always as stored."""
        return in_visitor_language(self.name)

    @property
    def display_description(self) -> str:
        """The description as public pages show it, like display_name."""
        return in_visitor_language(self.description)


class Community(Term):
    # The catch-all term: a service for all racialised communities serves every community.
    ALL = "all-racialised-communities"

    class Meta(Term.Meta):
        verbose_name = _("community")
        verbose_name_plural = _("communities")


class SupportType(Term):
    class Meta(Term.Meta):
        verbose_name = _("support type")
        verbose_name_plural = _("support types")


class Attribute(Term):
    """Cultural fit: community-led, faith-sensitive, same-gender worker…"""

    class Meta(Term.Meta):
        verbose_name = _("cultural fit attribute")
        verbose_name_plural = _("cultural fit attributes")


class DeliveryMode(Term):
    class Meta(Term.Meta):
        verbose_name = _("delivery mode")
        verbose_name_plural = _("delivery modes")


class Language(models.Model):
    code = models.CharField(
        _("ISO 639 code"),
        max_length=8,
        unique=True,
        help_text=_("ISO 639-1 where one exists (ur), otherwise ISO 639-3 (phr)."),
    )
    name = models.CharField(_("English name"), max_length=100)
    autonym = models.CharField(
        _("own name"), max_length=100, blank=True, help_text=_("The language's name for itself.")
    )
    direction = models.CharField(
        _("text direction"), max_length=3, choices=TextDirection.choices, default=TextDirection.LTR
    )
    featured = models.BooleanField(_("featured"), default=False, help_text=_("Offered first in the language filter."))

    class Meta:
        ordering = ["-featured", "name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[a-z]{2,3}$"), name="language_code_is_iso_639"),
        ]

    def __str__(self) -> str:
        if self.autonym and self.autonym != self.name:
            return f"{self.name} ({self.autonym})"
        return self.name

    def clean(self) -> None:
        self.code = (self.code or "").strip().lower()
        if not (2 <= len(self.code) <= 3 and self.code.isascii() and self.code.isalpha()):
            raise ValidationError({"code": _("Use a two- or three-letter ISO 639 code, such as ur or phr.")})


# --- Postcodes ------------------------------------------------------------------


def normalise_postcode(text: str) -> str:
    """'bd213dn', ' BD21 3DN ' -> 'BD21 3DN'; an outward code alone -> 'BD21'."""
    compact = "".join((text or "").split()).upper()
    if len(compact) >= 5 and compact[-3].isdigit():
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


class Postcode(models.Model):
    """A full UK postcode and its centre, from Ordnance Survey Code-Point Open."""

    postcode = models.CharField(max_length=8, primary_key=True)
    district = models.CharField(max_length=4, db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["postcode"]

    def __str__(self) -> str:
        return self.postcode


class PostcodeDistrict(models.Model):
    """An outward code ("BD7") and the centroid of its postcodes."""

    code = models.CharField(max_length=4, primary_key=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


def first_sentence(text: str) -> str:
    """The first sentence of a description: the one line shown in results."""
    text = " ".join((text or "").split())
    end = text.find(". ")
    return text if end == -1 else text[: end + 1]


# --- Listings -------------------------------------------------------------------


class ListingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def stale(self, today: date | None = None):
        """Not confirmed within STALE_AFTER_DAYS (or never confirmed)."""
        cutoff = (today or timezone.localdate()) - timedelta(days=settings.STALE_AFTER_DAYS)
        return self.filter(Q(last_verified__isnull=True) | Q(last_verified__lt=cutoff))

    def very_stale(self, today: date | None = None):
        """Not confirmed within VERY_STALE_AFTER_DAYS: the public is told it may be out of date."""
        return self.filter(_very_stale_q(today))

    def with_freshness(self, today: date | None = None):
        """Annotate `very_stale` (True/False), so search can rank old listings below fresh ones."""
        return self.annotate(
            very_stale=models.Case(
                models.When(_very_stale_q(today), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )


def _very_stale_q(today: date | None = None) -> Q:
    cutoff = (today or timezone.localdate()) - timedelta(days=settings.VERY_STALE_AFTER_DAYS)
    return Q(last_verified__isnull=True) | Q(last_verified__lt=cutoff)


class ServiceQuerySet(ListingQuerySet):
    def public(self):
        """Published services of published organisations: the only services the public ever sees."""
        return self.published().filter(organisation__status=Status.PUBLISHED)

    def open_at(self, at: datetime | None = None):
        """Services whose structured hours have them open at `at` (now by default): one
        indexed condition on OpeningPeriod, so counts and paging stay right."""
        return self.filter(Exists(OpeningPeriod.objects.filter(OpeningPeriod.covering(at), service=OuterRef("pk"))))


class Listing(models.Model):
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    last_verified = models.DateField(
        _("last checked"),
        null=True,
        blank=True,
        help_text=_("When someone last confirmed this listing is correct."),
    )

    objects = ListingQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def is_stale(self, today: date | None = None) -> bool:
        if self.last_verified is None:
            return True
        cutoff = (today or timezone.localdate()) - timedelta(days=settings.STALE_AFTER_DAYS)
        return self.last_verified < cutoff

    def is_very_stale(self, today: date | None = None) -> bool:
        """Not confirmed for VERY_STALE_AFTER_DAYS: shown publicly as possibly out of date."""
        if self.last_verified is None:
            return True
        cutoff = (today or timezone.localdate()) - timedelta(days=settings.VERY_STALE_AFTER_DAYS)
        return self.last_verified < cutoff


class Organisation(Listing):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    charity_number = models.CharField(_("charity or company number"), max_length=20, blank=True)
    trusted = models.BooleanField(
        _("trusted"),
        default=False,
        help_text=_("Changes by this organisation's staff publish at once (they are still recorded)."),
    )
    is_example = models.BooleanField(
        _("example data"),
        default=False,
        help_text=_("Fictional listing from the sample data; the site says so on every page."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="organisation_name_unique"),
        ]
        indexes = [
            # Every public page asks whether sample listings are published (the banner);
            # without this it scans every organisation, 12-16 ms at national scale. Partial:
            # only the example rows are in it, none on a live site.
            models.Index(fields=["status"], condition=Q(is_example=True), name="organisation_examples"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_address("partners:organisation", self.slug)

    def is_kept_by(self, user) -> bool:
        """Does this person look after this organisation? Its members and moderators."""
        if not (user.is_authenticated and user.is_active):
            return False
        return user.is_staff or self.memberships.filter(user=user).exists()

    def can_edit(self, user) -> bool:
        """May this person change this organisation's listings? Its members and moderators,
        while it is not archived: an archived organisation is read-only (moderators bring
        it back in the admin first)."""
        return self.status != Status.ARCHIVED and self.is_kept_by(user)

    def can_manage_team(self, user) -> bool:
        """May this person invite and remove colleagues? Its owners and moderators, while
        it is not archived."""
        if self.status == Status.ARCHIVED or not (user.is_authenticated and user.is_active):
            return False
        return user.is_staff or self.memberships.filter(user=user, role="owner").exists()

    def unique_error_message(self, model_class, unique_check):
        # The friendly message for the named unique constraint.
        if tuple(unique_check) == ("name",):
            return ValidationError(_("An organisation with this name is already listed."), code="unique")
        return super().unique_error_message(model_class, unique_check)


class Location(models.Model):
    """A place where services are delivered. Services with no location are
    delivered only by phone, video or text."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="locations", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("e.g. Community centre"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    accessibility = models.TextField(
        _("accessibility"), blank=True, help_text=_("Step-free access, hearing loop, parking…")
    )

    class Meta:
        ordering = ["town", "address"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90) & Q(latitude__lte=90) & Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="location_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        parts = [p for p in (self.name or self.address, self.town, self.postcode) if p]
        return ", ".join(parts) or f"Location {self.pk}"

    def get_absolute_url(self) -> str:
        return self.organisation.get_absolute_url()

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def one_line(self) -> str:
        return ", ".join(p for p in (self.address, self.town, self.postcode) if p)

    def clean(self) -> None:
        self.postcode = normalise_postcode(self.postcode)
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ValidationError({"latitude": _("Latitude must be between -90 and 90.")})
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ValidationError({"longitude": _("Longitude must be between -180 and 180.")})


class Service(Listing):
    """What residents and GPs look for: one kind of support run by an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services", verbose_name=_("organisation")
    )
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    description = models.TextField(_("description"), help_text=_("What the service offers, in plain English."))
    support_types = models.ManyToManyField(
        SupportType, blank=True, related_name="services", verbose_name=_("support types")
    )
    communities = models.ManyToManyField(
        Community, blank=True, related_name="services", verbose_name=_("communities served")
    )
    attributes = models.ManyToManyField(Attribute, blank=True, related_name="services", verbose_name=_("cultural fit"))
    modes = models.ManyToManyField(
        DeliveryMode, blank=True, related_name="services", verbose_name=_("how it is delivered")
    )
    locations = models.ManyToManyField(Location, blank=True, related_name="services", verbose_name=_("locations"))
    cost = models.CharField(_("cost"), max_length=10, choices=Cost.choices, default=Cost.FREE)
    gender = models.CharField(_("open to"), max_length=10, choices=Gender.choices, default=Gender.ANY)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    accepting_referrals = models.BooleanField(_("accepting new referrals"), default=True)
    typical_wait = models.CharField(
        _("typical wait"), max_length=100, blank=True, help_text=_("e.g. 'About two weeks'")
    )
    referral_instructions = models.TextField(
        _("how to get referred"), blank=True, help_text=_("How to get referred and what happens next.")
    )
    opening_hours = models.TextField(_("opening hours"), blank=True)
    hours = models.CharField(
        _("weekly hours"),
        max_length=1000,
        blank=True,
        help_text=_("Days and times, such as: Mo-Fr 09:00-17:00; Sa 10:00-12:00; 2026 Dec 25 off."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # The latest capacity answer, copied here from its editing.CapacityAnswer row so search
    # can filter on it without a join. Not part of the listing: never moderated or versioned.
    capacity = models.CharField(_("Space for new people"), max_length=10, choices=Capacity.choices, blank=True)
    capacity_weeks = models.PositiveSmallIntegerField(_("waiting list, in weeks"), null=True, blank=True)
    capacity_reopens = models.DateField(_("expects to reopen"), null=True, blank=True)
    capacity_answered = models.DateTimeField(_("space for new people confirmed"), null=True, blank=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=models.F("max_age")),
                name="service_age_range_ordered",
            ),
            models.CheckConstraint(condition=Q(max_age__lte=130), name="service_max_age_plausible"),
            models.UniqueConstraint(fields=["organisation", "name"], name="service_name_unique_per_organisation"),
        ]
        indexes = [
            # The API's list order (name, then id) over published services. On PostgreSQL it
            # carries organisation_id too, so a page's ids and the count are read from the
            # index alone, without the wide rows: a deep page at 100,000 services went from
            # sorting them all on disk to an index-only scan (docs/performance.md).
            models.Index(
                fields=["name", "id"],
                include=["organisation"],
                condition=Q(status=Status.PUBLISHED),
                name="service_public_order",
            ),
            # The few services that said "not taking new people", for the unmet-need figures
            # of a search answered from the facet index (partners/facet_index.py): without it
            # that question scanned every service (37 ms at 100,000).
            models.Index(
                fields=["capacity_answered"], condition=Q(capacity=Capacity.CLOSED), name="service_not_taking_new"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_address("partners:service", self.slug)

    @property
    def phone_to_call(self) -> str:
        """The service's number, else its organisation's: what a resident taps to call."""
        return self.phone or self.organisation.phone

    @property
    def text_number(self) -> str:
        """The number to text, if the service offers text and the number is a mobile (landlines take no texts)."""
        offers_text = any(mode.slug == "text" for mode in self.modes.all())
        return self.phone if offers_text and MOBILE_RE.match(dialable(self.phone)) else ""

    @property
    def summary(self) -> str:
        """The first sentence of the description: the one line shown in results."""
        return first_sentence(self.description)

    @property
    def age_range(self) -> str:
        if self.min_age is None and self.max_age is None:
            return ""
        if self.max_age is None:
            return _("%(min)s and over") % {"min": self.min_age}
        if self.min_age is None:
            return _("up to %(max)s") % {"max": self.max_age}
        return _("%(min)s to %(max)s") % {"min": self.min_age, "max": self.max_age}

    @property
    def weekly_hours(self) -> WeeklyHours | None:
        """The structured hours, or None when there are none."""
        return read_hours(self.hours)

    def save_opening_periods(self) -> None:
        """Rebuild the OpeningPeriod rows from `hours`: call after saving changed hours."""
        OpeningPeriod.rebuild(self)

    @property
    def speaks_for_its_intake(self) -> bool:
        """Whether the listing's own moderated "taking new referrals" and "typical wait" are
        what the public sees: only while the service has never answered the capacity
        question. Once it has, the dated answer replaces them everywhere (an answer too old
        shows as "Not known", never as the listing's older claim)."""
        return not self.capacity or self.capacity_answered is None

    @property
    def capacity_now(self):
        """Its "taking new people?" answer with its age (partners.capacity), or None."""
        from .capacity import capacity_now

        return capacity_now(self)

    def clean(self) -> None:
        _clean_hours(self)
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("The maximum age must not be lower than the minimum age.")})
        if self.max_age is not None and self.max_age > 130:
            raise ValidationError({"max_age": _("Enter an age of 130 or under.")})

    def unique_error_message(self, model_class, unique_check):
        # The friendly message for the named unique constraint.
        if tuple(unique_check) == ("organisation", "name"):
            return ValidationError(_("This organisation already has a service with this name."), code="unique")
        return super().unique_error_message(model_class, unique_check)


class ServiceLanguage(models.Model):
    """A language a service is offered in, and how."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_languages")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="service_languages")
    provision = models.CharField(
        _("how it is offered"),
        max_length=12,
        choices=LanguageProvision.choices,
        default=LanguageProvision.STAFF,
    )
    hours = models.CharField(
        _("when the language is available"),
        max_length=500,
        blank=True,
        help_text=_("Leave blank if it is available whenever the service is open. For example: Tu 18:00-21:00."),
    )

    class Meta:
        ordering = ["language__name", "provision"]
        verbose_name = _("language offered")
        verbose_name_plural = _("languages offered")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "language", "provision"], name="service_language_provision_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.language.name} ({self.get_provision_display()})"

    @property
    def weekly_hours(self) -> WeeklyHours | None:
        return read_hours(self.hours)

    def clean(self) -> None:
        _clean_hours(self)


def _clean_hours(instance) -> None:
    if instance.hours.strip():
        try:
            instance.hours = parse_hours(instance.hours).text()
        except HoursError as error:
            raise ValidationError({"hours": error.with_position()}) from error


class OpeningPeriod(models.Model):
    """A cache of a service's parsed `hours`, so "open now" is a plain SQL condition.
    Never edited: Service.save_opening_periods rebuilds a service's rows from its text.

    A weekly row has a weekday; a dated row a date (its rows replace that weekday's hours
    that day; a closed day is one row with start = end = 0, which covers no minute). A period
    running past midnight is split: the part after midnight is a row of the next day marked
    `after_midnight`, which the dated rules of the day it started on (not its own) control."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)  # 0 is Monday
    date = models.DateField(null=True, blank=True)
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()
    after_midnight = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["weekday", "start_minute", "end_minute"], name="opening_period_weekday"),
            models.Index(fields=["date", "start_minute", "end_minute"], name="opening_period_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__isnull=False, date__isnull=True) | Q(weekday__isnull=True, date__isnull=False),
                name="opening_period_weekday_or_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday if self.date is None else self.date} {self.start_minute}-{self.end_minute}"

    @classmethod
    def rebuild(cls, *services: Service) -> None:
        """Replace the rows of these services with their hours now: two statements a batch."""
        for start in range(0, len(services), 500):
            batch = services[start : start + 500]
            cls.objects.filter(service__in=[service.pk for service in batch]).delete()
            cls.objects.bulk_create([row for service in batch for row in cls._rows_for(service)], batch_size=500)

    @classmethod
    def _rows_for(cls, service: Service) -> list["OpeningPeriod"]:
        hours = service.weekly_hours
        if hours is None:
            return []
        rows = []

        def add(spans, weekday=None, on=None):
            if on is not None and not spans:
                rows.append(cls(service=service, date=on, start_minute=0, end_minute=0))
            for span in spans:
                end = MINUTES_A_DAY if span.overnight else span.end
                rows.append(cls(service=service, weekday=weekday, date=on, start_minute=span.start, end_minute=end))
                if span.overnight:
                    rows.append(
                        cls(
                            service=service,
                            weekday=None if weekday is None else (weekday + 1) % 7,
                            date=None if on is None else on + timedelta(days=1),
                            start_minute=0,
                            end_minute=span.end,
                            after_midnight=True,
                        )
                    )

        for weekday, spans in enumerate(hours.week):
            add(spans, weekday=weekday)
        for on, spans in hours.dates:
            add(spans, on=on)
        return rows

    @classmethod
    def covering(cls, at: datetime | None = None) -> Q:
        """Rows that have their service open at `at`, in the region's local time."""
        local = timezone.localtime(at or timezone.now())
        today, minute = local.date(), local.hour * 60 + local.minute
        yesterday = today - timedelta(days=1)

        def dated_rule(on: date) -> Exists:
            return Exists(cls.objects.filter(service=OuterRef("service"), date=on, after_midnight=False))

        in_time = Q(start_minute__lte=minute, end_minute__gt=minute)
        return in_time & (
            Q(date=today)
            | Q(weekday=today.weekday(), after_midnight=False) & ~dated_rule(today)
            | Q(weekday=today.weekday(), after_midnight=True) & ~dated_rule(yesterday)
        )


class ReferralRoute(models.Model):
    """One way into a service (self-referral, via a GP…) and how to use it."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="referral_routes")
    kind = models.CharField(_("who can refer"), max_length=12, choices=ReferralKind.choices)
    method = models.CharField(_("how"), max_length=10, choices=ReferralMethod.choices, blank=True)
    contact = models.CharField(
        _("contact"), max_length=255, blank=True, help_text=_("Phone number, email address or form link.")
    )
    instructions = models.TextField(_("what happens next"), blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("way in")
        verbose_name_plural = _("ways in")
        constraints = [
            models.UniqueConstraint(fields=["service", "kind"], name="referral_route_kind_unique_per_service"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def unique_error_message(self, model_class, unique_check):
        # The friendly message for the named unique constraint.
        if tuple(unique_check) == ("service", "kind"):
            return ValidationError(_("This service already lists this way in."), code="unique")
        return super().unique_error_message(model_class, unique_check)


# --- Translations ---------------------------------------------------------------
#
# Our own two small tables rather than django-parler or django-modeltranslation: staff
# changes are moderated as whole-listing JSON snapshots (editing.Revision), and a
# translation is one more key of that snapshot ("translations": {"ur": {...}}) with
# the same diff, approval and history; the importer syncs plain rows in bulk; and
# PostgreSQL keeps a 'simple' search vector on the rows itself (migration 0006).
# parler's per-language rows hide behind the "current language" of the model and
# its cache, and modeltranslation adds a column per language to the listing tables
# (a schema migration whenever an interface language is added).


class Translation(models.Model):
    """Text of a listing in one of the interface languages (settings.LANGUAGES, not English).
    Every field is optional: what is missing is shown in English."""

    language = models.CharField(_("language"), max_length=10, help_text=_("An interface language code, such as ur."))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.language

    def clean(self) -> None:
        if not is_translation_language(self.language):
            raise ValidationError(
                {
                    "language": _("Choose one of the site's languages: %(codes)s.")
                    % {"codes": ", ".join(translation_languages())}
                }
            )


class ServiceTranslation(Translation):
    FIELDS = ("name", "description", "referral_instructions", "opening_hours")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="translations")
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    referral_instructions = models.TextField(_("how to get referred"), blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(fields=["service", "language"], name="service_translation_one_per_language"),
        ]


class OrganisationTranslation(Translation):
    FIELDS = ("description",)

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="translations")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "language"], name="organisation_translation_one_per_language"
            ),
        ]


# The many-to-many link tables, by name, for queries that read them directly (search).
ServiceSupport = Service.support_types.through
ServiceCommunity = Service.communities.through
ServiceAttribute = Service.attributes.through
ServiceMode = Service.modes.through
ServiceLocation = Service.locations.through
