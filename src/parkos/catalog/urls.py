from django.urls import URLPattern

from parkos.catalog.views import catalog, orders, policies, reports, workspace

app_name = "catalog"
urlpatterns: list[URLPattern] = [*catalog.urls, *orders.urls, *workspace.urls, *policies.urls, *reports.urls]
