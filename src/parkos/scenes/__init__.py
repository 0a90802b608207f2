"""Scenes: a board where anyone publishes a need (a scene), others respond with proposals, and an
accepted proposal becomes a deal with milestones, payments recorded, a timeline and reviews.

Who sees and acts on a deal (scenes/rules.py, asked on the deal itself by ``selectors.deal_get`` for the
page and the JSON API alike, and again by every service that changes it):

* **The two parties** (the scene's publisher, who pays, and the responder whose proposal was accepted,
  who delivers) see it and act on their side.
* **An enterprise on a side** (the scene was published for it, or the proposal made for it): every
  active member sees the deal, read-only; its admins also act for that side, as the party would
  (deliver, accept, mark paid, confirm payment, ask to cancel, dispute). A cancellation asked by one
  side is agreed by the other side, never by the asker's colleague. Reviews stay with the two parties.
  When one enterprise is on both sides its admins only read (it would otherwise pay itself).
  A member awaiting approval, or who has left, is no colleague.
* **The operators of the deal's park** (and portfolio operators) see it and resolve its disputes.
* Anyone else, an operator of another park included, is told the deal does not exist (404).

A scene's page shows the state of its deals to everyone who sees the scene, and links to each deal for
those who may see it.
"""
