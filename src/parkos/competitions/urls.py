from parkos.competitions.views import applications, awards, editions, judging, ranking, scoring

app_name = "competitions"

urlpatterns = [*editions.urlpatterns, *applications.urlpatterns, *judging.urlpatterns, *scoring.urlpatterns,
               *ranking.urlpatterns, *awards.urlpatterns]
