from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("services/<slug:slug>/report/", views.report_problem, name="report"),
    path("services/<slug:slug>/report/sent/", views.report_sent, name="report_sent"),
]
