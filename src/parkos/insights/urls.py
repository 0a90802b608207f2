from parkos.insights.views import dashboards, poster, reports

app_name = "insights"

urlpatterns = [*reports.urlpatterns, *poster.urlpatterns, *dashboards.urlpatterns]
