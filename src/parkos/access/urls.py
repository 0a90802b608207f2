from parkos.access.views import apps, gates, presence, screening, visitors

app_name = "access"

urlpatterns = [*gates.urlpatterns, *presence.urlpatterns, *visitors.urlpatterns, *apps.urlpatterns,
               *screening.urlpatterns]
