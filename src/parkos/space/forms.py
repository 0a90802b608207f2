"""Forms of the immersive map's pages."""

from __future__ import annotations

from django import forms

from parkos.space.models import SpacePreference


class PreferenceForm(forms.ModelForm):
    """A member's consent to the in-park marker and to being followed (saved by services.preference_save)."""

    class Meta:
        model = SpacePreference
        fields = ["show_in_park", "followable"]


class ReportForm(forms.Form):
    """What the map's report dialog posts. Every field is optional here: the service decides what is valid
    (``services.member_report``); the form only carries its refusals back, field by field."""

    user = forms.CharField(required=False)
    reason = forms.CharField(required=False)
    detail = forms.CharField(required=False, strip=False)
    area = forms.CharField(required=False)
