from parkos.access.views import apps, gates, home, presence, screening, visitors

app_name = "access"

urlpatterns = [*home.urlpatterns, *gates.urlpatterns, *presence.urlpatterns, *visitors.urlpatterns, *apps.urlpatterns,
               *screening.urlpatterns]
