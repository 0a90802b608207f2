"""Forms of the immersive map's pages."""

from __future__ import annotations

from django import forms

from parkos.space.models import SpacePreference


class PreferenceForm(forms.ModelForm):
    """A member's consent to the in-park marker and to being followed (saved by services.preference_save)."""

    class Meta:
        model = SpacePreference
        fields = ["show_in_park", "followable"]
