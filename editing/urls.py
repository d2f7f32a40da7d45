from django.urls import path

from . import views

app_name = "editing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisations/<slug:slug>/", views.organisation_edit, name="organisation"),
    path("organisations/<slug:slug>/confirm/", views.confirm_organisation, name="confirm_organisation"),
    path("organisations/<slug:slug>/places/", views.places, name="places"),
    path("organisations/<slug:slug>/places/add/", views.place_add, name="place_add"),
    path("organisations/<slug:slug>/places/<slug:key>/", views.place_edit, name="place"),
    path("organisations/<slug:slug>/places/<slug:key>/remove/", views.place_remove, name="place_remove"),
    path("organisations/<slug:slug>/services/add/", views.service_add, name="service_add"),
    path("organisations/<slug:slug>/team/", views.team, name="team"),
    path(
        "organisations/<slug:slug>/translations/<str:language>/",
        views.organisation_translation,
        name="organisation_translation",
    ),
    path("organisations/<slug:slug>/team/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("services/<slug:slug>/", views.service_edit, name="service"),
    path("services/<slug:slug>/confirm/", views.confirm_service, name="confirm_service"),
    path("services/<slug:slug>/remove/", views.service_withdraw, name="service_withdraw"),
    path("services/<slug:slug>/translations/<str:language>/", views.service_translation, name="service_translation"),
    # From a reminder email, no log-in needed: see editing/one_tap.py.
    path("confirm/<str:token>/", views.one_tap_confirm, name="one_tap_confirm"),
    path("confirm/<str:token>/done/", views.one_tap_confirmed, name="one_tap_confirmed"),
]
