from django.urls import path

from . import pages, views

app_name = "signposting"

urlpatterns = [
    path("shortlist/", views.shortlist, name="shortlist"),
    path("shortlist/print/", views.shortlist_print, name="print"),
    path("shortlist/qr.svg", views.shortlist_qr, name="qr"),
    path("shortlist/add/", views.shortlist_add, name="add"),
    path("shortlist/remove/", views.shortlist_remove, name="remove"),
    path("shortlist/clear/", views.shortlist_clear, name="clear"),
    path("shortlist/save/", views.shortlist_save, name="save"),
    path("for-professionals/", views.for_professionals, name="professionals"),
    path("crisis/", pages.crisis, name="crisis"),
    path("about/", pages.about, name="about"),
    path("privacy/", pages.privacy, name="privacy"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("robots.txt", pages.robots_txt, name="robots"),
    path("favicon.ico", pages.favicon, name="favicon"),
]
