from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_results, name="search"),
    path("search/geojson/", views.search_geojson, name="search_geojson"),
    path("search/geojson/<int:point>/", views.map_point, name="map_point"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("about/data/", views.about_data, name="about_data"),
]
