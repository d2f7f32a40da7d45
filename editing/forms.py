"""Forms for organisation staff. They validate and normalise; the services module does the work.
Labels and hints are plain English for busy volunteers; every limit matches the database."""

from datetime import time

from django import forms
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.hours import CLOSED, MINUTES_A_DAY, WHOLE_DAY, HoursError, Span, WeeklyHours, parse_hours, read_hours
from partners.languages import direction
from partners.models import (
    Attribute,
    Capacity,
    Community,
    Cost,
    DeliveryMode,
    Gender,
    Language,
    LanguageProvision,
    Organisation,
    ReferralKind,
    ReferralMethod,
    Service,
    SupportType,
    normalise_postcode,
)
from partners.postcodes import FULL_RE, lookup

phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-]{6,40}$",
    _("Enter a phone number using numbers, spaces and + ( ) - only, like 01274 123456."),
)


def text(label: str, max_length: int, *, required: bool = False, help_text: str = "", rows: int = 0, **attrs):
    """A text field whose limit is checked on the server with a plain message."""
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    field = forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text, widget=widget)
    if rows:
        # Textareas get no maxlength attribute from Django for TextFields; keep the limit server-side.
        field.validators.append(MaxLengthValidator(max_length))
    return field


def phone_field(label: str = _("Phone number")) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=40,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )


def terms_field(model, label: str, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose only from the options shown.")},
    )


class ListingForm(forms.Form):
    """The parts every edit form shares: the version it was opened at, and a note for the moderator."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    comment = text(
        _("Anything the moderator should know? (optional)"),
        1000,
        rows=3,
        help_text=_("For example, why something changed. Only the moderators see this."),
    )


class OrganisationForm(ListingForm):
    name = text(_("Organisation name"), 200, required=True, autocomplete="organization")
    description = text(
        _("What does your organisation do?"),
        5000,
        required=True,
        rows=6,
        help_text=_("A few sentences in plain English. Who you are, who you work with, and where."),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("For example, https://www.example.org.uk"),
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email address for the public"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    phone = phone_field(_("Phone number for the public"))
    charity_number = forms.CharField(
        label=_("Charity or company number (optional)"),
        max_length=20,
        required=False,
        validators=[RegexValidator(r"^[A-Za-z0-9 \-]*$", _("Use only letters, numbers and spaces."))],
    )
    field_order = ["name", "description", "website", "email", "phone", "charity_number", "comment", "version"]

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if Organisation.objects.filter(name__iexact=name).exclude(pk=self.organisation.pk).exists():
            raise forms.ValidationError(_("Another organisation in the directory already has this name."))
        return name

    def snapshot_fields(self) -> dict:
        return {f: self.cleaned_data[f] for f in ("name", "description", "website", "email", "phone", "charity_number")}


class LocationForm(ListingForm):
    name = text(_("Name of the place (optional)"), 200, help_text=_("For example, Manningham Community Centre."))
    address = text(_("Address"), 255, required=True, help_text=_("Building and street."), autocomplete="address-line1")
    town = text(_("Town or city"), 100, autocomplete="address-level2")
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        help_text=_("We use it to put the place on the map."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "class": "input--short"}),
    )
    accessibility = text(
        _("Access (optional)"),
        2000,
        rows=3,
        help_text=_("For example: step-free entrance, hearing loop, parking, a quiet room."),
    )
    field_order = ["name", "address", "town", "postcode", "accessibility", "comment", "version"]

    def clean_postcode(self) -> str:
        raw = self.cleaned_data["postcode"]
        postcode = normalise_postcode(raw)
        if not FULL_RE.match(postcode):
            raise forms.ValidationError(_("Enter a full postcode, like BD1 1AF."))
        place = lookup(postcode)
        if place is None:
            raise forms.ValidationError(
                _("We cannot find the postcode %(postcode)s. Check it and try again.") % {"postcode": postcode}
            )
        self.place = place
        return postcode

    def location_fields(self) -> dict:
        data = {f: self.cleaned_data[f] for f in ("name", "address", "town", "postcode", "accessibility")}
        data["latitude"], data["longitude"] = self.place.latitude, self.place.longitude
        return data


YES_NO = [("yes", _("Yes")), ("no", _("No, not at the moment"))]
DAY_LABELS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
DAY_STATES = [("closed", _("Closed")), ("open", _("Open")), ("all-day", _("Open 24 hours"))]
RANGES_A_DAY = 2


def time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M", "%H.%M", "%H%M", "%H:%M:%S"],
        error_messages={"invalid": _("Enter a 24-hour time, like 09:30 or 17:00.")},
        widget=forms.TimeInput(attrs={"type": "time", "class": "input--short"}, format="%H:%M"),
    )


def hours_text_field(label: str, max_length: int, help_text: str = "") -> forms.CharField:
    field = text(label, max_length, help_text=help_text, spellcheck="false", dir="ltr")
    field.validators.append(validate_hours_text)
    return field


def validate_hours_text(value: str) -> None:
    if value.strip():
        try:
            parse_hours(value)
        except HoursError as error:
            raise forms.ValidationError(error.with_position()) from error


class HoursGrid:
    """The weekly-hours part of the service form: a row a day (closed, open with up to two
    time ranges, or 24 hours), "by appointment", and dated changes written one a line.
    It reads and writes the one text form (partners/hours.py); no JavaScript needed."""

    @staticmethod
    def add_fields(form: forms.Form) -> None:
        for n, label in enumerate(DAY_LABELS):
            form.fields[f"hours_{n}"] = forms.ChoiceField(
                label=label,
                choices=DAY_STATES,
                initial="closed",
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose closed, open or open 24 hours.")},
            )
            for r in range(1, RANGES_A_DAY + 1):
                form.fields[f"hours_{n}_open_{r}"] = time_field(_("Opens") if r == 1 else _("Opens again"))
                form.fields[f"hours_{n}_close_{r}"] = time_field(_("Closes"))
        form.fields["hours_appointment"] = forms.BooleanField(label=_("Also, or only, by appointment"), required=False)
        form.fields["hours_dates"] = text(
            _("Closures and changed hours on particular dates (optional)"),
            1000,
            rows=3,
            help_text=_("One a line, year first: 2026 Dec 25 off, or 2026 Dec 24 10:00-14:00."),
            spellcheck="false",
            dir="ltr",
        )

    @staticmethod
    def initial(text: str) -> dict:
        hours = read_hours(text or "")
        if hours is None:
            return {}
        initial: dict = {"hours_appointment": hours.by_appointment}
        for n, spans in enumerate(hours.week):
            if spans == WHOLE_DAY:
                initial[f"hours_{n}"] = "all-day"
            elif spans:
                initial[f"hours_{n}"] = "open"
                for r, span in enumerate(spans[:RANGES_A_DAY], start=1):
                    initial[f"hours_{n}_open_{r}"] = clock_time(span.start)
                    initial[f"hours_{n}_close_{r}"] = clock_time(span.end)
        dated = WeeklyHours(dates=hours.dates).text()
        initial["hours_dates"] = dated.replace("; ", "\n")
        return initial

    @staticmethod
    def clean(form: forms.Form) -> str:
        """The hours as text; errors are added to the fields they are about."""
        data = form.cleaned_data
        original = read_hours(form.initial.get("hours") or "")
        week = []
        for n in range(7):
            state = data.get(f"hours_{n}")
            spans = []
            if state == "all-day":
                spans = list(WHOLE_DAY)
            elif state == "open":
                for r in range(1, RANGES_A_DAY + 1):
                    span = HoursGrid._span(form, n, r)
                    if span is not None:
                        spans.append(span)
                if not spans and not form.has_error(f"hours_{n}_open_1") and not form.has_error(f"hours_{n}_close_1"):
                    form.add_error(f"hours_{n}_open_1", _("Give the opening and closing times, or choose Closed."))
            spans = tuple(sorted(spans))
            # A day with more ranges than the grid shows (from the CSV or the admin) keeps
            # the rest while the ranges shown are left as they were.
            kept = original.week[n] if original else CLOSED
            if len(kept) > RANGES_A_DAY and state == "open" and spans == kept[:RANGES_A_DAY]:
                spans = kept
            week.append(spans or CLOSED)
        dates: tuple = ()
        written = data.get("hours_dates", "")
        if written.strip():
            try:
                dated = parse_hours(written)
            except HoursError as error:
                line = written[: error.position - 1].count("\n") + 1
                form.add_error(
                    "hours_dates",
                    _("Line %(line)s: %(message)s") % {"line": line, "message": error.message},
                )
            else:
                if any(dated.week) or dated.by_appointment:
                    form.add_error("hours_dates", _("Only dates go here, year first: 2026 Dec 25 off."))
                dates = dated.dates
        hours = WeeklyHours(week=tuple(week), dates=dates, by_appointment=bool(data.get("hours_appointment")))
        return "" if hours.is_empty else hours.text()

    @staticmethod
    def _span(form: forms.Form, n: int, r: int) -> Span | None:
        opens, closes = form.cleaned_data.get(f"hours_{n}_open_{r}"), form.cleaned_data.get(f"hours_{n}_close_{r}")
        if opens is None and closes is None:
            return None
        if opens is None or closes is None:
            missing = f"hours_{n}_open_{r}" if opens is None else f"hours_{n}_close_{r}"
            if not form.has_error(missing):
                form.add_error(missing, _("Give both the opening and the closing time."))
            return None
        start, end = opens.hour * 60 + opens.minute, closes.hour * 60 + closes.minute
        if end == start:
            form.add_error(f"hours_{n}_close_{r}", _("The closing time must differ from the opening time."))
            return None
        # Closing at 00:00 is midnight at the end of the day.
        return Span(start, MINUTES_A_DAY if end == 0 else end)


def clock_time(minutes: int) -> time:
    return time(0, 0) if minutes >= MINUTES_A_DAY else time(minutes // 60, minutes % 60)


class ServiceForm(ListingForm):
    name = text(_("Name of the service"), 200, required=True, help_text=_("For example, Women's wellbeing group."))
    description = text(
        _("What does the service offer?"),
        5000,
        required=True,
        rows=6,
        help_text=_("Plain English. The first sentence is shown in search results, so make it count."),
    )
    support_types = terms_field(SupportType, _("What kind of support is it?"), _("Choose all that apply."))
    communities = terms_field(
        Community,
        _("Which communities is it for?"),
        _("Choose all that apply. 'All racialised communities' means anyone is welcome."),
    )
    attributes = terms_field(Attribute, _("Cultural fit"), _("Choose all that are true of this service."))
    modes = terms_field(DeliveryMode, _("How do people take part?"), _("Choose all that apply."))
    locations = forms.MultipleChoiceField(
        label=_("Where does it happen?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for a service only by phone, video or text. Add places on the Places page."),
        error_messages={"invalid_choice": _("Choose only from the places shown.")},
    )
    cost = forms.ChoiceField(label=_("Does it cost anything?"), choices=Cost.choices, widget=forms.RadioSelect)
    gender = forms.ChoiceField(label=_("Who can come?"), choices=Gender.choices, widget=forms.RadioSelect)
    min_age = forms.IntegerField(
        label=_("Youngest age (optional)"),
        required=False,
        min_value=0,
        max_value=130,
        help_text=_("In whole years. Leave blank if there is no lower limit."),
        error_messages={"invalid": _("Enter the age as a whole number, like 16.")},
        widget=forms.NumberInput(attrs={"class": "input--short", "inputmode": "numeric"}),
    )
    max_age = forms.IntegerField(
        label=_("Oldest age (optional)"),
        required=False,
        min_value=0,
        max_value=130,
        help_text=_("In whole years. Leave blank if there is no upper limit."),
        error_messages={"invalid": _("Enter the age as a whole number, like 65.")},
        widget=forms.NumberInput(attrs={"class": "input--short", "inputmode": "numeric"}),
    )
    accepting_referrals = forms.ChoiceField(
        label=_("Are you taking new people?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        initial="yes",
        help_text=_(
            "Shown until you first answer “Taking new people?” on your dashboard; from then on that "
            "dated answer, which needs no approval, is shown instead of this and the usual wait."
        ),
    )
    typical_wait = text(
        _("How long do people usually wait? (optional)"), 100, help_text=_("For example, about two weeks.")
    )
    referral_instructions = text(
        _("How to get referred, and what happens next"),
        3000,
        rows=4,
        help_text=_("For example: fill in our form; we call you back within 3 working days."),
    )
    opening_hours = text(
        _("Anything else about when it is open (optional)"),
        1000,
        rows=3,
        help_text=_("For example: drop-in on the first Tuesday of the month. Residents see this under the hours."),
    )
    phone = phone_field()
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    website = forms.URLField(
        label=_("Web page"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )

    def __init__(self, *args, organisation: Organisation, service: Service | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation, self.service = organisation, service
        for name, model in (
            ("support_types", SupportType),
            ("communities", Community),
            ("attributes", Attribute),
            ("modes", DeliveryMode),
        ):
            self.fields[name].choices = list(model.objects.values_list("slug", "name"))
        self.fields["locations"].choices = [
            (str(loc.pk), str(loc)) for loc in organisation.locations.order_by("town", "address")
        ]
        HoursGrid.add_fields(self)

    def hours_days(self) -> list[dict]:
        """The grid, a row a day, for the template."""
        return [
            {
                "state": self[f"hours_{n}"],
                "ranges": [
                    (self[f"hours_{n}_open_{r}"], self[f"hours_{n}_close_{r}"]) for r in range(1, RANGES_A_DAY + 1)
                ],
            }
            for n in range(7)
        ]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = Service.objects.filter(organisation=self.organisation, name__iexact=name)
        if self.service is not None:
            others = others.exclude(pk=self.service.pk)
        if others.exists():
            raise forms.ValidationError(_("Your organisation already has a service with this name."))
        return name

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", _("The oldest age must be the same as or more than the youngest age."))
        data["hours"] = HoursGrid.clean(self)
        return data

    def snapshot_fields(self) -> dict:
        data = {
            f: self.cleaned_data[f]
            for f in (
                "name",
                "description",
                "cost",
                "gender",
                "min_age",
                "max_age",
                "typical_wait",
                "referral_instructions",
                "opening_hours",
                "phone",
                "email",
                "website",
            )
        }
        data["accepting_referrals"] = self.cleaned_data["accepting_referrals"] == "yes"
        for name in ("support_types", "communities", "attributes", "modes"):
            data[name] = sorted(self.cleaned_data[name])
        data["locations"] = sorted(int(pk) for pk in self.cleaned_data["locations"])
        if self.cleaned_data["hours"]:
            data["hours"] = self.cleaned_data["hours"]
        return data

    @staticmethod
    def initial_from(snapshot: dict) -> dict:
        initial = {k: v for k, v in snapshot.items() if k not in {"languages", "referral_routes", "locations"}}
        initial.update(HoursGrid.initial(snapshot.get("hours", "")))
        initial["accepting_referrals"] = "yes" if snapshot.get("accepting_referrals", True) else "no"
        initial["locations"] = [str(pk) for pk in snapshot.get("locations", [])]
        return initial


class LanguageRowForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
    provision = forms.ChoiceField(
        label=_("How it is offered"),
        choices=LanguageProvision.choices,
        initial=LanguageProvision.STAFF,
        error_messages={"invalid_choice": _("Choose how the language is offered from the list.")},
    )
    hours = hours_text_field(
        _("When (optional)"),
        500,
        help_text=_("Only if it differs from the service's hours. For example: Tu 18:00-21:00."),
    )

    def __init__(self, *args, language_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("No language")), *language_choices]


class BaseLanguageFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(lang.code, str(lang)) for lang in Language.objects.order_by("name")]
        for form in self.forms:
            form.fields["language"].choices = [("", _("No language")), *choices]
        self.empty_form.fields["language"].choices = [("", _("No language")), *choices]

    def clean(self) -> None:
        seen = set()
        for form in self.forms:
            if not form.is_valid() or not form.cleaned_data.get("language"):
                continue
            key = (form.cleaned_data["language"], form.cleaned_data["provision"])
            if key in seen:
                form.add_error("language", _("This language is already listed with the same way of offering it."))
            seen.add(key)

    def languages(self) -> list[list[str]]:
        rows = {
            (form.cleaned_data["language"], form.cleaned_data["provision"])
            for form in self.forms
            if form.cleaned_data.get("language")
        }
        return sorted([code, how] for code, how in rows)

    def language_hours(self) -> dict[str, str]:
        """{"ur:staff": "Tu 18:00-21:00"} for the rows that say when."""
        found = {
            f"{form.cleaned_data['language']}:{form.cleaned_data['provision']}": parse_hours(
                form.cleaned_data["hours"]
            ).text()
            for form in self.forms
            if form.cleaned_data.get("language") and form.cleaned_data.get("hours", "").strip()
        }
        return dict(sorted(found.items()))


LanguageFormSet = forms.formset_factory(LanguageRowForm, formset=BaseLanguageFormSet, extra=3, max_num=40)


def language_formset(data=None, snapshot: dict | None = None) -> BaseLanguageFormSet:
    snapshot = snapshot or {}
    when = snapshot.get("language_hours", {})
    initial = [
        {"language": code, "provision": how, "hours": when.get(f"{code}:{how}", "")}
        for code, how in snapshot.get("languages", [])
    ]
    return LanguageFormSet(data, initial=initial, prefix="languages")


class WayInForm(forms.Form):
    """One way into the service (self-referral, GP…): whether it is offered and how."""

    offered = forms.BooleanField(label=_("Yes, people can get in this way"), required=False)
    method = forms.ChoiceField(
        label=_("How"),
        required=False,
        choices=[("", _("Not given")), *ReferralMethod.choices],
        error_messages={"invalid_choice": _("Choose how from the list.")},
    )
    contact = text(_("Phone number, email address or link (optional)"), 255)
    instructions = text(_("What to do, and what happens next (optional)"), 2000, rows=3)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.legend = ReferralKind(kind).label

    def route(self) -> dict | None:
        if not self.cleaned_data.get("offered"):
            return None
        return {"kind": self.kind, **{f: self.cleaned_data[f] for f in ("method", "contact", "instructions")}}


def way_in_forms(data=None, snapshot: dict | None = None) -> list[WayInForm]:
    routes = {r["kind"]: r for r in (snapshot or {}).get("referral_routes", [])}
    forms_ = []
    for kind in ReferralKind.values:
        route = routes.get(kind)
        initial = {"offered": True, **route} if route else {}
        forms_.append(WayInForm(data, initial=initial, prefix=f"route-{kind}", kind=kind))
    return forms_


# Each translatable field: its label and limit (the same limits as the English fields).
TRANSLATION_FIELDS = {
    "name": (_("Name of the service (optional)"), 200, 0),
    "description": (_("What the service offers"), 5000, 6),
    "referral_instructions": (_("How to get referred, and what happens next"), 3000, 4),
    "opening_hours": (_("Opening hours"), 1000, 3),
}
ORGANISATION_TRANSLATION_FIELDS = {"description": (_("What does your organisation do?"), 5000, 6)}


class TranslationForm(ListingForm):
    """A listing's text in one interface language. Every field is optional: what is left
    blank is shown in English. The fields carry lang and dir so the text is typed and
    shown in the language's own direction (right to left for Urdu, Arabic and Farsi)."""

    def __init__(self, *args, fields: dict, language: str, english: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language
        attrs = {"lang": language, "dir": direction(language)}
        for name, (label, limit, rows) in fields.items():
            self.fields[name] = text(label, limit, rows=rows, **attrs)
            self.fields[name].english = english.get(name) or ""
        self.order_fields([*fields, "comment", "version"])
        self.translated = list(fields)

    def translation_fields(self) -> dict[str, str]:
        return {name: self.cleaned_data[name].strip() for name in self.translated}


class CapacityForm(forms.Form):
    """ "Are you taking new people?" with the weeks of a waiting list or the date a closed
    service expects to reopen. Given `answer` (the one-tap page, where the link chose it),
    the radio buttons are left out and only the details are asked for."""

    MAX_WEEKS = 52

    answer = forms.ChoiceField(
        label=_("Are you taking new people?"),
        choices=Capacity.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the answers."),
            "invalid_choice": _("Choose one of the answers shown."),
        },
    )
    weeks = forms.IntegerField(
        label=_("About how many weeks is the wait?"),
        help_text=_("Only for a waiting list. A whole number from 1 to 52."),
        required=False,
        min_value=1,
        max_value=MAX_WEEKS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter the wait as a whole number of weeks, like 6."),
            "min_value": _("Enter a wait of at least 1 week."),
            "max_value": _("Enter a wait of 52 weeks or fewer."),
        },
    )
    reopens = forms.DateField(
        label=_("When do you expect to take new people again? (optional)"),
        help_text=_("Only if you are not taking new people. For example 2027-03-01."),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date like 2027-03-01.")},
    )

    def __init__(self, *args, answer: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_answer = answer
        if answer is not None:
            del self.fields["answer"]
            if answer != Capacity.WAITING:
                del self.fields["weeks"]
            if answer != Capacity.CLOSED:
                del self.fields["reopens"]

    def clean(self):
        data = super().clean()
        answer = self.fixed_answer or data.get("answer")
        if answer == Capacity.WAITING and data.get("weeks") is None and "weeks" not in self.errors:
            self.add_error("weeks", _("Say about how many weeks the wait is."))
        reopens = data.get("reopens")
        if answer == Capacity.CLOSED and reopens is not None and reopens <= timezone.localdate():
            self.add_error("reopens", _("Enter a date after today, or leave it empty."))
        if answer != Capacity.WAITING:
            data["weeks"] = None
        if answer != Capacity.CLOSED:
            data["reopens"] = None
        data["answer"] = answer
        return data

    @classmethod
    def initial_for(cls, service: Service) -> dict:
        return {"answer": service.capacity, "weeks": service.capacity_weeks, "reopens": service.capacity_reopens}
