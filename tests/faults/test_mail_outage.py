"""The mail server is away: registration, sign-up and password reset still succeed, and every
mail is sent exactly once by a real worker (bin/worker) when the mail server is back."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from events.models import Event, Registration, RegistrationStatus, Venue
from tests.conftest import client_for
from tests.events.test_registration import form_shown_seconds_ago
from tests.faults.conftest import (
    Processes,
    SmtpSink,
    subprocess_env,
    wait_until,
    worker_command,
)
from tests.tenants import Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """Tasks from this process go, for real, to a queue of the test's own on REDIS_URL."""
    from config.celery import app

    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point at a Redis server for the fault tests")
    queue = f"faults-{os.getpid()}-{time.monotonic_ns()}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous


def published_event(tenant: Tenant) -> Event:
    starts = timezone.now() + timedelta(days=20)
    with scope(association=tenant.association.pk):
        venue = Venue.objects.create(association=tenant.association, name="会館", address="町1-1")
        return Event.objects.create(
            association=tenant.association,
            title="介護の日の講演会",
            kind="study_session",
            status="published",
            venue=venue,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            registration_required=True,
            capacity=10,
        )


def test_mail_server_away_costs_no_request_and_every_mail_is_sent_once_it_is_back(
    tenant_a: Tenant,
    settings: Any,
    celery_queue: str,
    smtp_sink: SmtpSink,
    processes: Processes,
    tmp_path: Path,
) -> None:
    # The web process is pointed at the mail server too: if a request talked to SMTP, it
    # would meet a refused connection.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    event = published_event(tenant_a)
    client = client_for(tenant_a)

    started = time.monotonic()
    registered = client.post(
        reverse("events:register", args=[event.pk]),
        {
            "target": "event",
            "name": "山田花子",
            "email": "hanako@example.jp",
            "party_size": 1,
            # The form had been open a while, as a person's would (the minimum fill time).
            "started": form_shown_seconds_ago(30),
        },
        follow=True,
    )
    assert registered.status_code == 200
    with scope(association=tenant_a.association.pk):
        registration = Registration.objects.get(event=event)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.get_status_display() in registered.content.decode()

    signup = client_for(tenant_a).post(
        reverse("account_signup"),
        {
            "email": "new.person@care.example",
            "password1": "a-good-long-password-42",
            "password2": "a-good-long-password-42",
        },
    )
    assert (signup.status_code, signup["Location"]) == (
        302,
        reverse("account_email_verification_sent"),
    )
    staff = tenant_a.users["office_staff"].email
    reset = client_for(tenant_a).post(reverse("account_reset_password"), {"email": staff})
    assert (reset.status_code, reset["Location"]) == (302, reverse("account_reset_password_done"))
    assert time.monotonic() - started < 10  # nobody waited on the mail server
    assert smtp_sink.messages == []

    # A real worker meets the refused connection, retries with back-off, and sends once the
    # mail server is back.
    worker = processes.spawn(
        "worker",
        worker_command("--pool=solo", "-Q", celery_queue, "-n", f"{celery_queue}@%h"),
        subprocess_env(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            CELERY_TASK_ALWAYS_EAGER="false",
            EMAIL_URL=smtp_sink.url,
            MAIL_RETRY_SECONDS="1",
            MAIL_RETRY_MAX_SECONDS="2",
        ),
    )
    wait_until(
        lambda: processes.log_of(worker).count("mail server unavailable, retrying") >= 3,
        60,
        "the worker to fail on the refused mail server",
    )
    smtp_sink.start()
    wait_until(lambda: len(smtp_sink.messages) >= 3, 60, "three mails")
    time.sleep(5)  # any retry still in flight would arrive now
    assert len(smtp_sink.messages) == 3
    assert len(smtp_sink.to("hanako@example.jp")) == 1
    assert len(smtp_sink.to("new.person@care.example")) == 1
    assert len(smtp_sink.to(staff)) == 1
    assert worker.poll() is None
