from django.urls import URLPattern

from parkos.community.views import groups, moderation, posts, suggestions

app_name = "community"
urlpatterns: list[URLPattern] = [*posts.urls, *groups.urls, *suggestions.urls, *moderation.urls]
