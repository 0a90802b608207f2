from parkos.bookings.views import desks, figures, manage, member

app_name = "bookings"

urlpatterns = [*member.urlpatterns, *desks.urlpatterns, *manage.urlpatterns, *figures.urlpatterns]
