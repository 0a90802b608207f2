from parkos.network.views import capital, datarooms, hub, introductions, landing, matching, partners

app_name = "network"

urlpatterns = [*hub.urlpatterns, *partners.urlpatterns, *landing.urlpatterns, *capital.urlpatterns,
               *matching.urlpatterns, *introductions.urlpatterns, *datarooms.urlpatterns]
