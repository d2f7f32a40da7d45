"""The public side of feedback: report a problem with a listing."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.forms import error_summary
from directory import ratelimits
from directory.same_origin import same_origin_only
from partners.search import public_services

from . import services
from .forms import ProblemReportForm
from .models import ProblemKind


@same_origin_only
def report_problem(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: tell us a published listing is wrong (no account, nothing personal required)."""
    service = get_object_or_404(public_services().select_related("organisation"), slug=slug)
    # A link may choose the kind of problem (the draft-translation notice asks for "translation").
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in ProblemKind.values else {}
    form = ProblemReportForm(request.POST if request.method == "POST" else None, initial=initial)
    limited = False
    if request.method == "POST" and form.is_valid():
        limited = ratelimits.used_up(request, "problem-report", settings.PROBLEM_REPORTS_PER_HOUR)
        if not limited:
            if not form.is_spam:  # a robot is thanked all the same, and nothing is kept
                services.submit_report(service, **{name: form.cleaned_data[name] for name in form.Meta.fields})
            return redirect("feedback:report_sent", slug=service.slug)
    context = {"service": service, "form": form, "errors": error_summary(form), "limited": limited}
    return render(request, "feedback/report_form.html", context, status=429 if limited else 200)


def report_sent(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: the thank-you page after reporting a problem."""
    service = get_object_or_404(public_services().select_related("organisation"), slug=slug)
    return render(request, "feedback/report_sent.html", {"service": service})
