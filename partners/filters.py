"""The public search's parameters (PRODUCT.md, "Public URLs"), read and checked.

`ServiceFilter` declares every parameter of /search/ and /search/geojson/. Its form
turns the query string into clean values and a message for anything it cannot use;
a bad value never stops the rest of the search: an unknown language among good ones
is dropped alone, an unknown postcode leaves a search without a place. `params()`
hands the result to `partners.search`, which does the work (and `qs` gives the
matching services for anyone who wants a plain queryset)."""

import copy
import math

import django_filters
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.fields import MultipleChoiceField

from . import postcodes
from .models import Service
from .postcodes import Place
from .search import (
    FACETS,
    FILTERS,
    RADIUS_DEFAULT,
    RADIUS_MAX,
    RADIUS_MIN,
    SORTS,
    Search,
    SearchParams,
    Vocabulary,
)

MAX_KEYWORDS_LENGTH = 200

# Where the error summary links for each parameter: its field, or the nearest one a
# visitor can see (lat, lon and bbox come from the map and the location button).
FIELD_ANCHORS = {"lat": "id_postcode", "lon": "id_postcode", "bbox": "id_postcode"}


class LightCopy:
    """A filter whose copies share its arguments but for `extra` (a dict of its own). Each
    search's filter set deep-copies every filter; a deep copy also copied each filter's
    lazy labels and messages, a third of the time it took to read a query string."""

    def __deepcopy__(self, memo):
        result = copy.copy(self)
        result.extra = dict(self.extra)
        memo[id(self)] = result
        return result


class CharFilter(LightCopy, django_filters.CharFilter):
    pass


class ChoiceFilter(LightCopy, django_filters.ChoiceFilter):
    pass


class FloatFilter(LightCopy, django_filters.Filter):
    field_class = forms.FloatField


class IntegerFilter(LightCopy, django_filters.Filter):
    field_class = forms.IntegerField


class BBoxField(forms.CharField):
    """west,south,east,north in degrees, the visible map area."""

    default_error_messages = {
        "invalid": _(
            "The map area in this link is not valid, so we have searched without it. "
            "It needs four numbers: west, south, east, north."
        ),
    }

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            west, south, east, north = (float(part) for part in value.split(","))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not all(math.isfinite(n) for n in (west, south, east, north)) or not (
            -180 <= west < east <= 180 and -90 <= south < north <= 90
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return (west, south, east, north)


class BBoxFilter(LightCopy, django_filters.Filter):
    field_class = BBoxField


class SwitchField(forms.CharField):
    """A checkbox's value: on (1, on, true, yes) or off (blank, 0, off, false, no). Anything
    else is an error; each filter gives the message, which says the filter was left off."""

    ON, OFF = {"1", "on", "true", "yes"}, {"", "0", "off", "false", "no"}

    def clean(self, value):
        text = (super().clean(value) or "").strip().lower()
        if text in self.ON:
            return True
        if text in self.OFF:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value[:40]})


class SwitchFilter(LightCopy, django_filters.Filter):
    field_class = SwitchField


class SearchForm(forms.Form):
    """Resolves the place, and keeps the good values of a list that has a bad one."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            # A form's empty choices ("Any language") send `language=`: that means no filter.
            data = data.copy()
            for name in FACETS:
                if hasattr(data, "setlist"):
                    data.setlist(name, [value for value in data.getlist(name) if value])
                elif isinstance(data.get(name), list | tuple):
                    data[name] = [value for value in data[name] if value]
        super().__init__(data, *args, **kwargs)
        self.place: Place | None = None

    def clean_postcode(self) -> str:
        text = self.cleaned_data.get("postcode") or ""
        if not text:
            return ""
        code = postcodes.normalise_postcode(text)
        if not (postcodes.FULL_RE.match(code) or postcodes.DISTRICT_RE.match(code)):
            raise forms.ValidationError(
                _("Enter a postcode like BD7 1DP, or the first part of one like BD7."), code="invalid"
            )
        place = postcodes.lookup(code)
        if place is None:
            raise forms.ValidationError(
                _("We could not find the postcode %(postcode)s. Check it, or try the first part, like BD7."),
                code="unknown",
                params={"postcode": code},
            )
        self.place = place
        return code

    def clean(self):
        cleaned = super().clean()
        for name in FACETS:
            if name in self.errors:
                # Keep the values we know; the message says which one we left out.
                known = {str(value) for value, _label in self.fields[name].choices}
                cleaned[name] = [v for v in self.data.getlist(name) if v in known]
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        typed_postcode = bool((self.data.get("postcode") or "").strip())
        if not typed_postcode and "lat" not in self.errors and "lon" not in self.errors:
            if (lat is None) != (lon is None):
                self.add_error(
                    "lat", _("We could not use your location (it needs both latitude and longitude). Try a postcode.")
                )
            elif lat is not None:
                self.place = Place(str(_("your location")), lat, lon, is_district=False)
        return cleaned


class SharedChoicesField(MultipleChoiceField):
    """A multiple choice field whose copies share its choices. Every form deep-copies its
    fields; copying a vocabulary's eighty choices (and their lazy labels) on every search
    cost more than the rest of the form. Nothing changes a field's choices once made."""

    def __deepcopy__(self, memo):
        return forms.Field.__deepcopy__(self, memo)


class FacetFilter(LightCopy, django_filters.MultipleChoiceFilter):
    """A filter of the registry (ServiceFilter.get_form_class gives a copy the choices of
    the request's vocabulary when it makes a form class)."""

    field_class = SharedChoicesField


def _facet(name: str) -> FacetFilter:
    """A filter of the registry (partners.search.FILTERS): its label and message; the
    choices are fixed ones, or the vocabulary's (set when a form class is made)."""
    spec = FILTERS[name]
    return FacetFilter(
        label=spec.label,
        error_messages={"invalid_choice": spec.unknown},
        **({"choices": spec.choices.choices} if spec.choices else {}),
    )


class ServiceFilter(django_filters.FilterSet):
    q = CharFilter(
        label=_("What are you looking for?"),
        max_length=MAX_KEYWORDS_LENGTH,
        error_messages={"max_length": _("Use %(limit_value)d characters or fewer in the search box.")},
    )
    postcode = CharFilter(
        label=_("Postcode"),
        max_length=20,
        error_messages={"max_length": _("Enter a postcode like BD7 1DP, or the first part of one like BD7.")},
    )
    radius = FloatFilter(
        label=_("Distance"),
        min_value=RADIUS_MIN,
        max_value=RADIUS_MAX,
        error_messages={
            "invalid": _("Enter the distance as a number of miles, like 3."),
            "min_value": _("Enter a distance of at least %(limit_value)s miles."),
            "max_value": _("Enter a distance of up to %(limit_value)s miles."),
        },
    )
    lat = FloatFilter(
        min_value=-90,
        max_value=90,
        error_messages={
            "invalid": _("We could not use your location. Try a postcode instead."),
            "min_value": _("We could not use your location. Try a postcode instead."),
            "max_value": _("We could not use your location. Try a postcode instead."),
        },
    )
    lon = FloatFilter(
        min_value=-180,
        max_value=180,
        error_messages={
            "invalid": _("We could not use your location. Try a postcode instead."),
            "min_value": _("We could not use your location. Try a postcode instead."),
            "max_value": _("We could not use your location. Try a postcode instead."),
        },
    )
    bbox = BBoxFilter(label=_("Map area"))
    support = _facet("support")
    language = _facet("language")
    community = _facet("community")
    referral = _facet("referral")
    mode = _facet("mode")
    attribute = _facet("attribute")
    cost = _facet("cost")
    gender = _facet("gender")
    age = IntegerFilter(
        label=_("Age"),
        min_value=0,
        max_value=130,
        error_messages={
            "invalid": _("Enter an age in whole years, like 25."),
            "min_value": _("Enter an age of 0 or more."),
            "max_value": _("Enter an age of 130 or under."),
        },
    )
    open_now = SwitchFilter(
        label=_("Open now"),
        error_messages={
            "invalid": _("We did not understand “%(value)s” for open now, so we showed services whatever their hours.")
        },
    )
    taking_new = SwitchFilter(
        label=_("Only services taking new people"),
        error_messages={
            "invalid": _(
                "We did not understand “%(value)s” for taking new people, so we showed services whatever their answer."
            )
        },
    )
    sort = ChoiceFilter(
        label=_("Sort by"),
        choices=list(SORTS.items()),
        empty_label=None,
        error_messages={"invalid_choice": _("We cannot sort by “%(value)s”, so we used the usual order.")},
    )

    class Meta:
        model = Service
        fields: list[str] = []
        form = SearchForm

    def __init__(self, data=None, queryset=None, *, vocabulary: Vocabulary | None = None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.vocabulary = vocabulary or Vocabulary.load()

    def get_form_class(self):
        """The form of these vocabularies in the visitor's language: made once per process
        (and filter set class) for the rows kept per directory version (Vocabulary.load),
        as their options are, rather than twenty fields made for every search. Nothing
        changes a form class."""
        terms, key = self.vocabulary.terms, (type(self), get_language())
        kept = _forms.get("kept")
        if kept is None or kept[0] is not terms:
            kept = _forms["kept"] = (terms, {})
        form = kept[1].get(key)
        if form is None:
            for name in (name for name, spec in FILTERS.items() if spec.model):
                self.filters[name].extra["choices"] = [(o.value, o.label) for o in self.vocabulary.options(name)]
            form = kept[1][key] = super().get_form_class()
        return form

    def params(self) -> SearchParams:
        """The usable part of the query string, for partners.search."""
        form = self.form
        if self.is_bound:
            form.is_valid()
            data = form.cleaned_data
        else:
            data = {}

        def values(name: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(data.get(name) or ()))

        return SearchParams(
            q=data.get("q") or "",
            place=form.place,
            radius=data.get("radius") or RADIUS_DEFAULT,
            bbox=data.get("bbox"),
            age=data.get("age"),
            open_now=bool(data.get("open_now")),
            taking_new=bool(data.get("taking_new")),
            sort=data.get("sort") or "",
            **{name: values(name) for name in FACETS},
        )

    def filter_queryset(self, queryset):
        # The filters' meanings (eligibility, place, keywords) live in partners.search.
        matching = Search(self.params(), self.vocabulary).matching().values("pk")
        return queryset.filter(pk__in=matching)

    def error_list(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in the order of the page."""
        errors = []
        for name in self.form.fields:
            for message in self.form.errors.get(name, []):
                anchor = f"filter-{name}" if name in FACETS else FIELD_ANCHORS.get(name, f"id_{name}")
                errors.append((anchor, message))
        return errors


# The form classes of the vocabularies last read: (their rows, {(class, language): form class}).
_forms: dict[str, tuple] = {}
