from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Directory moderation"
admin.site.site_title = "Directory moderation"

urlpatterns = [
    path("", include("partners.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("accounts/", include("accounts.urls")),
    path("manage/", include("editing.urls")),
]
