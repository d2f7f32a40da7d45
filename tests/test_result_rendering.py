"""The results page's cheaper ways of writing the same HTML: a filter option from one
format string (partners.templatetags.directory.filter_choice) gives what the template
markup gave."""

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe

from partners.results_page import FilterChoice
from partners.search import Option
from partners.templatetags.directory import filter_choice

# The option's markup as templates/partners/_filters.html wrote it before the tag.
TEMPLATE_MARKUP = Template(
    '<li class="filter-choice"><input type="checkbox" form="search-form" name="{{ name }}"'
    ' value="{{ choice.option.value }}" id="{{ choice.id }}"{% if choice.checked %} checked{% endif %}>'
    '<label for="{{ choice.id }}">{{ choice.label }} <span class="count">({{ choice.count }}'
    '<span class="visually-hidden"> {{ choice.noun }}</span>)</span></label></li>'
)


def choice(value: str, label, count: int, checked: bool, noun: str) -> FilterChoice:
    return FilterChoice(Option(value, str(label)), count, checked, label, noun, f"f-x-{value}")


@pytest.mark.parametrize(
    "name, option",
    [
        ("support", choice("counselling", "Counselling & talking", 12, False, "services")),
        ("language", choice("ur", mark_safe('Urdu <span lang="ur" dir="rtl">اردو</span>'), 1, True, "service")),
        ("community", choice('a"b<c>', "Odd 'value' <b>", 0, False, "services")),
        ("cost", choice("free", "Free", 123456, True, "خدمات")),
    ],
)
@pytest.mark.parametrize("language", ["en-gb", "ur", "pl"])
def test_a_filter_option_is_written_as_the_template_wrote_it_with_the_same_escaping(name, option, language):
    with translation.override(language):
        expected = TEMPLATE_MARKUP.render(Context({"name": name, "choice": option}))
        written = filter_choice(name, option)

    assert written == expected


def test_a_filters_options_are_written_one_after_another_by_one_tag():
    options = [choice("a", "A", 1, False, "service"), choice("b", "B <b>", 2, True, "services")]
    written = Template("{% load directory %}{% filter_choices name options %}").render(
        Context({"name": "support", "options": options})
    )
    assert written == filter_choice("support", options[0]) + "\n" + filter_choice("support", options[1])
    assert Template("{% load directory %}{% filter_choices 'x' none %}").render(Context({"none": []})) == ""
