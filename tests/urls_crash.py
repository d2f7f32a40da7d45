"""The site's URLs plus one that fails, to see the 500 page."""

from django.urls import path

from directory.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, path("crash/", crash)]
