"""The demo's articles, through `news.services` (sanitised, published, caches dropped) as for
officers."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from association.models import Association
from demo.data.news import ARTICLES
from events.models import Event, EventStatus
from news.models import Article
from news.services import article_publish, article_save
from subcommittees.models import Subcommittee


@transaction.atomic
def articles_seed(*, association: Association, today: date) -> int:
    """The demo's articles not there yet (matched by title), published; returns how many were
    created. Runs inside the association's scope."""
    existing = set(Article.objects.values_list("title", flat=True))
    subcommittees = {s.kind: s for s in Subcommittee.objects.all()}
    created = 0
    for fields in ARTICLES:
        if fields["title"] in existing:
            continue
        event = None
        if kind := fields.get("event_kind"):
            # The next one of that kind, else the latest held (kept as a record).
            published = Event.objects.filter(kind=kind, status=EventStatus.PUBLISHED)
            event = (
                published.filter(starts_at__date__gte=today).order_by("starts_at").first()
                or published.order_by("-starts_at").first()
            )
        article = article_save(
            article=Article(association=association),
            title=fields["title"],
            category=fields["category"],
            date=today - timedelta(days=fields["days_ago"]),
            summary=fields["summary"],
            body=fields["body"],
            event=event,
            subcommittee=subcommittees.get(fields.get("subcommittee", "")),
        )
        article_publish(article=article)
        created += 1
    return created
