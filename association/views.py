from __future__ import annotations

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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from association.api_errors import STATUS_ERRORS, error_body, status_error_body
from association.dashboard import filing_month_due, officer_todo
from association.http import AssociationRequest, InvalidParameter
from association.permissions import public, requires
from association.public_cache import cached_public_page, render_public
from core.calendar import wareki_month
from kpis.reminders import filing_reminders_send_for_month
from members.selectors import office_status_counts, offices_pending
from subcommittees.selectors import subcommittees_with_office_counts

logger = logging.getLogger(__name__)


@public
@cached_public_page("association:public", "home", None)
def home(request: HttpRequest) -> HttpResponse:
    """The association's home page: it changes only with the association (host table version)."""
    return render_public(request, "association/home.html", {})


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
    association = getattr(request, "association", None)
    if association is None or not association.logo:
        raise Http404
    response = FileResponse(association.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response


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
