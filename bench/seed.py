"""The page benchmark's data beyond `seed_demo --offices 550` (24 months of filings): events up
to 300, job postings up to 500 and news articles up to 200, through the demo's seeders and the
news services (so the same services officers' pages call), and TOTP for the officer so the
two-factor check runs as in production. Prints the ids the benchmark requests, as JSON.
Idempotent: a second run adds nothing.

Run by bench/pages.py as `python -m bench.seed` with the bench's environment."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import django

EVENTS = 300
POSTINGS = 500
ARTICLES = 200


def main() -> None:
    django.setup()
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.test import override_settings
    from django.utils import timezone
    from django_scopes import scope

    from association.models import Association
    from demo.plan import at, events_plan
    from demo.seeders.events import events_seed
    from demo.seeders.recruitment import _job_postings_seed
    from demo.seeders.users import demo_office
    from events.models import Event, EventKind, EventStatus
    from news.models import Article, ArticleStatus
    from news.services import article_publish, article_save
    from recruitment.models import JobPosting, PostingStatus

    association = Association.objects.get(slug="toyonaka")
    now = timezone.now()
    today = timezone.localdate()
    with scope(association=association.pk):
        missing = EVENTS - Event.objects.count()
        if missing > 0:
            template = next(p for p in events_plan(today=today) if p.kind == "study_session")
            kinds = ["hands_on", "equipment_fair", "open_meeting", "study_session"]
            planned = []
            for n in range(missing):
                day = today + timedelta(days=n * 2 - 250)  # a year and a half, some upcoming
                planned.append(
                    dataclasses.replace(
                        template,
                        kind=kinds[n % len(kinds)],
                        title=f"市民講座 第{n + 1}回「介護のしごと」",
                        title_kana=f"しみんこうざ だい{n + 1}かい",
                        audience="public",
                        draft=False,
                        starts_at=at(day, 13 + n % 5),
                        ends_at=at(day, 15 + n % 5),
                    )
                )
            events_seed(association=association, planned=planned, now=now)
        seed = 3000
        while JobPosting.objects.count() < POSTINGS:
            # As job_postings_seed does: no mail to the fictional applicants.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                _job_postings_seed(seed=seed, today=today, now=now)
            seed += 1
        model = Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("pk").first()
        assert model is not None, "seed_demo publishes the demo's articles"
        for n in range(Article.objects.count(), ARTICLES):
            article = article_save(
                article=Article(association=association),
                title=f"連絡会だより 第{n + 1}号",
                category=model.category,
                date=today - timedelta(days=n * 3),
                summary=model.summary,
                body=model.body,
            )
            article_publish(article=article)
        officer = get_user_model().objects.get(email="officer@toyonaka.example")
        Authenticator.objects.get_or_create(
            user=officer, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "bench"}}
        )
        upcoming = Event.objects.filter(
            status=EventStatus.PUBLISHED, audience="public", starts_at__gte=now
        )
        ids = {
            "event": upcoming.exclude(kind=EventKind.FESTIVAL).order_by("starts_at").first().pk,  # type: ignore[union-attr]
            "festival": Event.objects.filter(kind=EventKind.FESTIVAL, status=EventStatus.PUBLISHED)
            .order_by("-starts_at")
            .first()
            .pk,  # type: ignore[union-attr]
            "posting": JobPosting.objects.filter(status=PostingStatus.PUBLISHED)
            .order_by("pk")
            .first()
            .pk,  # type: ignore[union-attr]
            "office": demo_office().pk,  # type: ignore[union-attr]
            "article": Article.objects.filter(status=ArticleStatus.PUBLISHED)
            .order_by("-date", "-pk")
            .first()
            .pk,  # type: ignore[union-attr]
            "articles": Article.objects.count(),
            "events": Event.objects.count(),
            "postings": JobPosting.objects.count(),
        }
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
