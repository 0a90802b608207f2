from parkos.rewards.views import figures, home, merchants, packs, pay, rules, templates, wallet

app_name = "rewards"

urlpatterns = [*home.urlpatterns, *wallet.urlpatterns, *templates.urlpatterns, *rules.urlpatterns, *packs.urlpatterns,
               *merchants.urlpatterns, *pay.urlpatterns, *figures.urlpatterns]
