"""Demo data of the network, in order: the partner network's reference data (37 countries, 52 Chinese
cities, 13 international organisations and the others) with a partner contact who has an account; the
main park's landing programme and applications at every stage; funds, the demo investor's thesis, rates
and the demo enterprises' financing records; introductions, the investor's pipeline and a data room.

Each part is idempotent on its own natural keys, so a second seed adds nothing."""

from __future__ import annotations

from typing import Any

from parkos.core.parks import park_default


def seed_demo(ctx: Any) -> None:
    from parkos.network.demo_capital import demo_capital
    from parkos.network.demo_intros import demo_intros
    from parkos.network.demo_landing import demo_landing
    from parkos.network.demo_partners import demo_partners

    parks = getattr(ctx, "parks", None) or {}
    main = parks.get("main") or park_default()
    operator = ctx.people["operator"]
    demo_partners()
    demo_landing(park=main, operator=operator)
    demo_capital(park=main, operator=operator)
    demo_intros(park=main)
