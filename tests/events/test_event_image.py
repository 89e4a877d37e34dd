"""Event images are served through Django, only where the event itself may be seen."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from events.models import Event
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def test_image_of_a_published_event_and_not_of_a_draft(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        event = Event.objects.get(title__startswith=tenant_a.marker)
    url = reverse("events:image", kwargs={"event_pk": event.pk})
    client = Client(HTTP_HOST=tenant_a.host)
    response = client.get(url)
    assert response.status_code == 200
    assert response.getvalue().startswith(b"\x89PNG")
    detail = client.get(reverse("events:detail", kwargs={"event_pk": event.pk})).content.decode()
    assert f'src="{url}"' in detail and "/media/" not in detail
    # B's host does not serve A's image; a draft's image is not public.
    assert Client(HTTP_HOST=tenant_b.host).get(url).status_code == 404
    with scope(association=tenant_a.association.pk):
        Event.objects.filter(pk=event.pk).update(status="draft")
    assert client.get(url).status_code == 404
