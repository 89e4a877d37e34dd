from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from association.api_errors import STATUS_ERRORS, error_body, status_error_body
from association.dashboard import filing_month_due, officer_todo
from association.http import AssociationRequest, InvalidParameter
from association.permissions import public, requires
from association.public_cache import cached_public_page, render_public
from association.selectors import accessibility_audit_latest
from core.calendar import wareki_month
from kpis.reminders import filing_reminders_send_for_month
from members.selectors import office_status_counts, offices_pending
from subcommittees.selectors import subcommittees_with_office_counts

logger = logging.getLogger(__name__)


HOME_EVENTS = 4
HOME_POSTINGS = 4
HOME_ARTICLES = 3

# The four 部会 in plain words, for citizens who do not know the trade's terms.
SUBCOMMITTEE_PLAIN_WORDS = {
    "kyotaku": _lazy(
        "Care managers, who plan with older people and their families the care and services "
        "each one needs to go on living at home."
    ),
    "tsusho": _lazy(
        "Day services, where older people come for the day: meals, bathing, exercise, "
        "rehabilitation and company."
    ),
    "houmon": _lazy(
        "Home-visit services: care workers and nurses who visit people at home to help with "
        "daily life and health."
    ),
    "nyusho": _lazy(
        "Care homes, where people who need care day and night live and are looked after."
    ),
}


def _home_version(association_id: int | None) -> int:
    """Changes whenever the events', the job board's or the news' version does (officers
    publish); the introduction and contact change with the host table's version."""
    from events.services import events_version
    from news.services import news_version
    from recruitment.services import jobs_version

    versions = (
        events_version(association_id),
        jobs_version(association_id),
        news_version(association_id),
    )
    return hash(versions) & (2**62 - 1)


def _json_ld(request: HttpRequest, association: Any) -> SafeString:
    """schema.org Organization: the association's name, address, contact and logo."""
    home_url = request.build_absolute_uri(reverse("association:home"))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": association.name,
        "url": home_url,
    }
    if association.short_name:
        data["alternateName"] = association.short_name
    if association.description:
        data["description"] = association.description[:300]
    if association.logo:
        data["logo"] = request.build_absolute_uri(reverse("association:logo"))
    if association.hero_image:
        data["image"] = request.build_absolute_uri(reverse("association:hero"))
    if association.contact_email:
        data["email"] = association.contact_email
    if association.contact_phone:
        data["telephone"] = association.contact_phone
    if association.contact_address:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": association.contact_address,
            "addressCountry": "JP",
        }
    text = json.dumps(data, ensure_ascii=False)
    # As json_script does: nothing in the data can close the script element.
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - JSON with <, > and & escaped


@public
@cached_public_page("association:public", "home", _home_version)
def home(request: HttpRequest) -> HttpResponse:
    """The association's home page: what is on next and whether places remain, the newest
    job postings and news, its introduction, contact and 部会, and the way in for offices.
    A fixed number of queries whatever the numbers of events, postings and articles."""
    association = getattr(request, "association", None)
    if association is None:
        return render_public(request, "association/home.html", {})
    from events.selectors import events_availability, public_events
    from news.selectors import latest_articles
    from recruitment.selectors import open_postings
    from subcommittees.models import Subcommittee

    events = list(public_events()[:HOME_EVENTS])
    availability = events_availability(events)
    postings = list(
        open_postings().select_related("office").order_by("-published_at", "-pk")[:HOME_POSTINGS]
    )
    home_url = request.build_absolute_uri(reverse("association:home"))
    return render_public(
        request,
        "association/home.html",
        {
            "events": [(event, availability[(event.pk, None)]) for event in events],
            "postings": postings,
            "articles": latest_articles(count=HOME_ARTICLES),
            "subcommittees": [
                (subcommittee, SUBCOMMITTEE_PLAIN_WORDS.get(subcommittee.kind, ""))
                for subcommittee in Subcommittee.objects.order_by("pk")
            ],
            "page_url": home_url,
            "hero_url": request.build_absolute_uri(reverse("association:hero"))
            if association.hero_image
            else "",
            "json_ld": _json_ld(request, association),
        },
    )


def _association_image(request: HttpRequest, field: str) -> FileResponse:
    """One of the association's own images (logo, home page image), served through Django
    from wherever files are stored, cacheable for an hour."""
    association = getattr(request, "association", None)
    image = getattr(association, field, None) if association is not None else None
    if not image:
        raise Http404
    response = FileResponse(image.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response


@public
def hero_image(request: HttpRequest) -> FileResponse:
    """The home page's image."""
    return _association_image(request, "hero_image")


PENDING_SHOWN = 10


@requires("dashboard.view")
def dashboard(request: AssociationRequest) -> HttpResponse:
    """What needs doing first (officers: this month's filing deadline, who has not filed with a
    one-click reminder, applications and reports waiting), then the offices and 部会. A fixed
    number of queries and rows whatever the number of offices."""
    context: dict[str, object] = {
        "status_counts": office_status_counts(),
        "subcommittees": list(subcommittees_with_office_counts()),
    }
    if request.access.can("members.approve"):
        # The oldest applications, each linked to its decision page; the card counts them all.
        context["pending"] = list(offices_pending()[:PENDING_SHOWN])
    if request.access.can("kpis.manage"):
        context["todo"] = officer_todo(
            association_id=request.association.pk, today=timezone.localdate()
        )
    return render(request, "association/dashboard.html", context)


@requires("kpis.manage")
@require_POST
def dashboard_remind(request: AssociationRequest) -> HttpResponse:
    """The one-click reminder to the offices that have not filed the month now due."""
    today = timezone.localdate()
    month = filing_month_due(today)
    outcome = filing_reminders_send_for_month(
        association=request.association, month=month, today=today
    )
    label = wareki_month(month)
    if outcome.refused_today:
        messages.warning(
            request,
            _("Reminders for %(month)s already went out today; the next can be sent tomorrow.")
            % {"month": label},
        )
    elif outcome.sent:
        messages.success(
            request,
            ngettext(
                "A reminder for %(month)s is being sent to %(count)s office.",
                "A reminder for %(month)s is being sent to %(count)s offices.",
                outcome.sent,
            )
            % {"month": label, "count": f"{outcome.sent:,}"},
        )
    else:
        messages.info(
            request,
            _(
                "No reminder was sent for %(month)s: every office that has not filed has had "
                "this reminder already (%(already)s), or has nobody to write to."
            )
            % {"month": label, "already": f"{outcome.already:,}"},
        )
    return redirect(f"{reverse('association:dashboard')}#todo-heading")


@public
def logo(request: HttpRequest) -> FileResponse:
    return _association_image(request, "logo")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _check_broker() -> str:
    from config.celery import app

    if not settings.REDIS_URL:
        return "inline"  # embedded default: tasks run in the web process
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


# The last healthy answer of this process: (when, payload). A load balancer polling every
# second, or a flood of /healthz, costs at most one round of checks per HEALTHZ_CACHE_SECONDS
# per process; `?deep=1` always checks now. A failure is never reused: while something is
# down every call checks again, so recovery shows at once.
_last_healthy: tuple[float, dict[str, Any]] | None = None


@public
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Database, cache and broker status; 503 when any is down. Never shows error details.

    A healthy result is reused for HEALTHZ_CACHE_SECONDS (its `age_seconds` says how old);
    `?deep=1` checks every time."""
    global _last_healthy
    now = time.monotonic()
    if (
        request.GET.get("deep") != "1"
        and _last_healthy is not None
        and now - _last_healthy[0] < settings.HEALTHZ_CACHE_SECONDS
    ):
        return JsonResponse({**_last_healthy[1], "age_seconds": round(now - _last_healthy[0], 1)})
    checks: dict[str, str] = {}
    healthy = True
    for name, check in (
        ("database", _check_database),
        ("cache", _check_cache),
        ("broker", _check_broker),
    ):
        started = time.monotonic()
        try:
            result = check()
            checks[name] = result if isinstance(result, str) else "ok"
        except Exception:
            logger.exception("healthz check failed", extra={"check": name})
            checks[name] = "error"
            healthy = False
        checks[f"{name}_ms"] = f"{(time.monotonic() - started) * 1000:.1f}"
    payload = {"status": "ok" if healthy else "error", "checks": checks}
    _last_healthy = (now, payload) if healthy else None
    return JsonResponse({**payload, "age_seconds": 0.0}, status=200 if healthy else 503)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (handler400): what was wrong with the request, naming the field when an
    InvalidParameter says which; the API answers in its own format."""
    message = exception.message if isinstance(exception, InvalidParameter) else ""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(status_error_body(413), status=413)
        field = exception.field if isinstance(exception, InvalidParameter) else ""
        errors = [{"field": field, "message": message, "code": "invalid"}]
        body = error_body(
            "invalid", message or str(STATUS_ERRORS[400][1]), errors if message else []
        )
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)


IMPACT_LABELS = {
    "critical": _lazy("Critical"),
    "serious": _lazy("Serious"),
    "moderate": _lazy("Moderate"),
    "minor": _lazy("Minor"),
}


@public
def accessibility(request: AssociationRequest) -> HttpResponse:
    """The accessibility statement (アクセシビリティ方針): the JIS X 8341-3:2016 AA target and
    the latest axe-core run's results (`manage.py accessibility_audit`), as they were recorded."""
    audit = accessibility_audit_latest()
    rows = []
    rules: dict[str, dict[str, Any]] = {}
    if audit is not None:
        for entry in audit.results:
            counts = entry.get("counts", {})
            rows.append(
                {
                    "path": entry.get("path", ""),
                    "width": entry.get("width"),
                    "status": entry.get("status"),
                    "counts": [(IMPACT_LABELS[i], counts.get(i, 0)) for i in IMPACT_LABELS],
                    "total": sum(counts.values()),
                }
            )
            for rule in entry.get("rules", []):
                seen = rules.setdefault(rule["id"], {**rule, "pages": set()})
                seen["pages"].add(entry.get("path", ""))
    # A page's widths side by side, pages in the order they were tested.
    order = {path: n for n, path in enumerate(dict.fromkeys(row["path"] for row in rows))}
    rows.sort(key=lambda row: (order[row["path"]], row["width"] or 0))
    context = {
        "audit": audit,
        "rows": rows,
        "problems": sum(row["total"] for row in rows),
        "paths": list(dict.fromkeys(row["path"] for row in rows if not row["status"])),
        "rules": sorted(rules.values(), key=lambda r: r["id"]),
        "impact_labels": IMPACT_LABELS,
    }
    return render(request, "association/accessibility.html", context)
