from django.urls import path

from . import views

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
]
