from parkos.access.views import apps, gates, presence, visitors

app_name = "access"

urlpatterns = [*gates.urlpatterns, *presence.urlpatterns, *visitors.urlpatterns, *apps.urlpatterns]
