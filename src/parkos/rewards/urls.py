from parkos.rewards.views import figures, home, merchants, packs, pay, rules, templates, till, wallet

app_name = "rewards"

urlpatterns = [*home.urlpatterns, *wallet.urlpatterns, *templates.urlpatterns, *rules.urlpatterns, *packs.urlpatterns,
               *till.urlpatterns, *pay.urlpatterns, *merchants.urlpatterns, *figures.urlpatterns]
