"""Forms of the posts and groups pages (civic keeps its forms in its own module)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.community.models import Group, Topic
from parkos.core.forms import StyledForm


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; the service checks their count and content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            return [super(MultipleImageField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


SCOPE_PARK, SCOPE_ALL = "park", "all"


def scope_field(label: Any) -> forms.ChoiceField:
    """Where a post or group belongs: the current park only, or every park of the portfolio."""
    return forms.ChoiceField(label=label, choices=[(SCOPE_PARK, _("This park")), (SCOPE_ALL, _("All parks"))],
                             initial=SCOPE_PARK, required=False)


class PostForm(StyledForm):
    body = forms.CharField(label=_("What's happening in the park?"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Markdown: **bold**, *italic*, lists, links. Mention with @name."))
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices, initial=Topic.LIFE)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=120,
                           help_text=_("Up to 5, separated by commas."))
    images = MultipleImageField(label=_("Images (up to 9)"), required=False,
                             widget=MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}))
    as_enterprise = forms.BooleanField(label=_("Post as my enterprise"), required=False)
    scope = scope_field(_("Show in"))

    def __init__(self, *args: object, can_post_as_enterprise: bool = False, in_group: bool = False,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not can_post_as_enterprise:
            del self.fields["as_enterprise"]
        if in_group:  # a group's post is where its group is
            del self.fields["scope"]


class PostEditForm(StyledForm):
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=120)


class CommentForm(StyledForm):
    body = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class GroupForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    description = forms.CharField(label=pgettext_lazy("group", "About"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Group.Visibility.choices,
                                   initial=Group.Visibility.PUBLIC)
    scope = scope_field(_("For"))

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:  # a group stays where it was made (its posts are in that park's feed)
            del self.fields["scope"]
