"""Who may do what on the immersive map (registered into core.policy at start-up)."""

from parkos.core import policy

policy.register({
    "space.enter": policy.rule(authenticated=True),
    "space.map.manage": policy.rule(roles=(policy.OPERATOR,)),
    "space.moderate": policy.rule(roles=(policy.OPERATOR,)),
})
