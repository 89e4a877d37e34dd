"""The article form of the member pages (officers, 部会 leaders). It parses what people type;
news.services validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from association.permissions import Access
from events.models import Event, EventStatus
from news.access import led_subcommittee_ids
from news.models import MAX_BODY_CHARS, Article, ArticleCategory
from subcommittees.models import Subcommittee

# The newest events offered for linking: a bounded choice list whatever the history.
EVENT_CHOICES = 200


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Article title"), max_length=200)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The date shown with the article."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=ArticleCategory.choices)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("One or two sentences for the list, search engines and shared links."),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Separate paragraphs with an empty line. Simple HTML is kept: paragraphs, "
            "headings (h2, h3), lists, bold, emphasis, quotes and links."
        ),
    )
    image = forms.ImageField(label=_("Image"), required=False)
    image_alt = forms.CharField(
        label=_("Image text alternative"),
        max_length=300,
        required=False,
        help_text=_("What the image shows, for people who cannot see it. Required with an image."),
    )
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)
    event: forms.ModelChoiceField[Event] = forms.ModelChoiceField(
        label=_("Related event"), queryset=Event.objects.none(), required=False
    )
    subcommittee: forms.ModelChoiceField[Subcommittee] = forms.ModelChoiceField(
        label=_("Subcommittee"), queryset=Subcommittee.objects.none(), required=False
    )

    def __init__(self, *args: Any, access: Access, article: Article | None, **kwargs: Any) -> None:
        if article is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": article.title,
                    "date": article.date,
                    "category": article.category,
                    "summary": article.summary,
                    "body": article.body,
                    "image_alt": article.image_alt,
                    "event": article.event_id,
                    "subcommittee": article.subcommittee_id,
                },
            )
        else:
            kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if article is None or not article.image:
            del self.fields["remove_image"]
        # Built in the request's scope: this association's rows only.
        events = Event.objects.filter(status=EventStatus.PUBLISHED).order_by("-starts_at", "-pk")
        event_ids = list(events.values_list("pk", flat=True)[:EVENT_CHOICES])
        if article is not None and article.event_id:
            event_ids.append(article.event_id)
        self.fields["event"].queryset = Event.objects.filter(pk__in=event_ids).order_by(  # type: ignore[attr-defined]
            "-starts_at", "-pk"
        )
        subcommittees = Subcommittee.objects.all()
        if not access.can("news.manage_all"):
            subcommittees = subcommittees.filter(pk__in=led_subcommittee_ids(access))
            self.fields["subcommittee"].required = True
            self.fields["subcommittee"].empty_label = None  # type: ignore[attr-defined]
        else:
            self.fields["subcommittee"].empty_label = _("The whole association")  # type: ignore[attr-defined]
        self.fields["subcommittee"].queryset = subcommittees  # type: ignore[attr-defined]

    def article_fields(self, article: Article | None) -> dict[str, Any]:
        """What the services take: the image only when one was sent (or removed)."""
        data = dict(self.cleaned_data)
        image = data.pop("image", None)
        remove = data.pop("remove_image", False)
        if image:
            data["image"] = image
        elif remove and article is not None:
            data["image"] = None
        return data
