from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from api import views as api_views
from directory.health import healthz

admin.site.site_header = "Directory moderation"
admin.site.site_title = "Directory moderation"

# The public pages in every interface language: English where they have always been (GPs
# bookmark and share those URLs), the others under a prefix such as /ur/ or /pl/. An
# unprefixed URL is always English, whatever the browser's Accept-Language says.
urlpatterns = i18n_patterns(
    path("", include("partners.urls")),
    path("", include("signposting.urls")),
    path("", include("feedback.urls")),
    prefix_default_language=False,
)

# Staff pages, the admin, the API and the health check have one address each, in English.
urlpatterns += [
    # For load balancers and monitoring.
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # The API's root without its slash answers too: a redirect would carry no CORS header.
    path("api", api_views.root),
    path("accounts/", include("accounts.urls")),
    path("manage/", include("editing.urls")),
]

# Our own error pages: they show crisis help and work without the database.
handler400 = "directory.errors.bad_request"
handler403 = "directory.errors.permission_denied"
handler404 = "directory.errors.page_not_found"
handler500 = "directory.errors.server_error"
