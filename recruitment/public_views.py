"""The public job board (/jobs/): search, a posting's page, the Atom feed, photos, and
applications without an account. Anonymous pages are cached per association and invalidated
whenever a posting changes (recruitment.services.jobs_changed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from association.client import client_address
from association.forms import add_service_errors
from association.permissions import public
from association.public_cache import Query, cached_public_page, render_public
from events.services import clean_html
from members.models import OfficeService
from recruitment.access import public_posting_by_id
from recruitment.forms import ApplicationForm, JobFilterForm, form_started_token
from recruitment.models import (
    JobPosting,
    JobPostingPhoto,
    PayKind,
    Qualification,
    Shift,
    WelcomeTag,
    WorkingStyle,
)
from recruitment.selectors import (
    JobFilters,
    open_postings,
    other_open_postings,
    posting_areas,
    public_postings,
    related_open_postings,
    subcommittee_choices,
    upcoming_booths,
)
from recruitment.services import (
    application_for_key,
    application_submit,
    application_withdraw,
    posting_accepts_applications,
    posting_view_count,
    recruitment_settings,
)

PAGE_SIZE = 20
FEED_SIZE = 50
# Applications: per visitor address, and per posting (a burst against one office).
RATE_PER_ADDRESS = "5/h"
RATE_PER_POSTING = "30/h"

# schema.org employmentType from (employment type, working style)
SCHEMA_EMPLOYMENT = {
    ("regular", "full_time"): ["FULL_TIME"],
    ("regular", "part_time"): ["PART_TIME"],
    ("non_regular", "full_time"): ["FULL_TIME", "TEMPORARY"],
    ("non_regular", "part_time"): ["PART_TIME", "TEMPORARY"],
}


def _labels(codes: list[str], choices: Any) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels[code]) for code in codes if code in labels]


def _cached(name: str, query: Query | None = None) -> Any:
    return cached_public_page("jobs:public", name, "jobs", query=query)


MAX_PAGE = 1000


def _list_query(request: HttpRequest, version: int) -> dict[str, str | list[str]] | None:
    """The board's parameters an anonymous visitor's page depends on, checked and normalised
    (unknown parameters and values the filters refuse are dropped), so every query string maps
    to one of a bounded set of pages. A keyword search is free text: answered, not cached."""
    get = request.GET
    if not get:  # the board as most visitors see it: no filter to check
        return {}
    if get.get("q", "").strip():
        return None
    association = getattr(request, "association", None)
    key = f"jobs:public:{association.pk if association else None}:{version}:choices"
    choices = cache.get(key)
    if choices is None:  # the filter's choices, cached so a cached page costs no query
        choices = (posting_areas(), subcommittee_choices())
        cache.set(key, choices, 600)
    form = JobFilterForm(get, areas=choices[0], subcommittees=choices[1])
    form.is_valid()
    params: dict[str, str | list[str]] = {}
    for name in form.fields:
        if name == "q" or name in form.errors:
            continue
        value = form.cleaned_data.get(name)
        if isinstance(value, list | tuple):
            if value:
                params[name] = sorted(str(item) for item in value)
        elif value not in (None, ""):
            params[name] = str(value)
    page = get.get("page", "")
    if page.isascii() and page.isdigit() and 1 < int(page) <= MAX_PAGE:
        params["page"] = str(int(page))
    return params


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    pairs = [
        (key, item)
        for key, value in merged.items()
        for item in (value if isinstance(value, list) else [value])
        if item not in (None, "")
    ]
    return "?" + urlencode(pairs) if pairs else "?"


@public
@_cached("list", _list_query)
def job_list(request: HttpRequest) -> HttpResponse:
    """Search and filter open postings; every filter lives in the URL so a search can be shared."""
    form = JobFilterForm(
        request.GET or None, areas=posting_areas(), subcommittees=subcommittee_choices()
    )
    cleaned: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = JobFilters(
        q=cleaned.get("q") or "",
        job_category=cleaned.get("job_category") or "",
        employment_type=cleaned.get("employment_type") or "",
        working_style=cleaned.get("working_style") or "",
        subcommittee=int(cleaned["subcommittee"]) if cleaned.get("subcommittee") else None,
        area=cleaned.get("area") or "",
        qualification=cleaned.get("qualification") or "",
        pay_kind=cleaned.get("pay_kind") or "",
        pay_floor=cleaned.get("pay_floor"),
        tags=tuple(cleaned.get("tag") or ()),
        sort=cleaned.get("sort") or "new",
    )
    page = Paginator(public_postings(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    params = {key: request.GET.getlist(key) for key in request.GET if key != "page"}
    return render_public(
        request,
        "recruitment/public/list.html",
        {
            "form": form,
            "page": page,
            "postings": [_card(p) for p in page.object_list],
            "filtered": bool(params),
            "previous_page_url": _query(params, page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_page_url": _query(params, page=page.next_page_number())
            if page.has_next()
            else "",
        },
    )


def _card(posting: JobPosting) -> dict[str, Any]:
    return {
        "posting": posting,
        "tags": _labels(posting.welcome_tags, WelcomeTag),
        "pay": _pay(posting),
    }


def _pay(posting: JobPosting) -> str:
    kind = _("Monthly") if posting.pay_kind == PayKind.MONTHLY else _("Hourly")
    low = f"{posting.pay_min:,}"
    if posting.pay_max and posting.pay_max != posting.pay_min:
        return _("%(kind)s %(low)s–%(high)s yen") % {
            "kind": kind,
            "low": low,
            "high": f"{posting.pay_max:,}",
        }
    return _("%(kind)s %(low)s yen or more") % {"kind": kind, "low": low}


def _absolute(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def _json_ld(request: HttpRequest, posting: JobPosting, is_open: bool) -> SafeString:
    """schema.org JobPosting, as Google's job search reads it."""
    office = posting.office
    association = getattr(request, "association", None)
    value: dict[str, Any] = {
        "@type": "QuantitativeValue",
        "minValue": posting.pay_min,
        "unitText": "MONTH" if posting.pay_kind == PayKind.MONTHLY else "HOUR",
    }
    if posting.pay_max:
        value["maxValue"] = posting.pay_max
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        "description": clean_html(posting.description) or posting.title,
        "datePosted": timezone.localtime(posting.published_at).date().isoformat()
        if posting.published_at
        else None,
        "validThrough": f"{posting.expires_on.isoformat()}T23:59:59+09:00",
        "employmentType": SCHEMA_EMPLOYMENT.get(
            (posting.employment_type, posting.working_style), ["OTHER"]
        ),
        "hiringOrganization": {
            "@type": "Organization",
            "name": office.name,
            **({"sameAs": request.build_absolute_uri("/")} if association else {}),
        },
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": office.address or posting.area,
                "addressLocality": posting.area,
                "addressCountry": "JP",
                **({"postalCode": office.postal_code} if office.postal_code else {}),
            },
        },
        "baseSalary": {"@type": "MonetaryAmount", "currency": "JPY", "value": value},
        "url": _absolute(request, "jobs:detail", job_posting_pk=posting.pk),
        "directApply": is_open,
    }
    if posting.working_hours:
        data["workHours"] = posting.working_hours
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - JSON with <, > and & escaped


def _counted(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Count a job seeker's view of a posting page, cached or not: one Redis increment, no
    database write (recruitment.services.posting_view_count). Logged-in people (offices
    checking their own posting, officers) and obvious bots are not counted."""

    @wraps(view)
    def wrapped(request: HttpRequest, job_posting_pk: int) -> HttpResponse:
        response = view(request, job_posting_pk=job_posting_pk)
        if response.status_code == 200:
            _count_view(request, job_posting_pk=job_posting_pk)
        return response

    # A cached page answered early (association.middleware) never reaches the view: the
    # middleware calls this after such an answer.
    wrapped.public_page_hit = _count_view  # type: ignore[attr-defined]
    return wrapped


def _count_view(request: HttpRequest, *, job_posting_pk: int) -> None:
    association = getattr(request, "association", None)
    user = getattr(request, "user", None)  # absent: answered before authentication, anonymous
    if (
        request.method == "GET"
        and association is not None
        and not (user is not None and user.is_authenticated)
    ):
        posting_view_count(
            association_id=association.pk,
            posting_id=job_posting_pk,
            user_agent=request.headers.get("User-Agent", ""),
        )


@public
@_counted
@_cached("detail")
def job_detail(request: HttpRequest, job_posting_pk: int) -> HttpResponse:
    """A posting's page; a closed or expired one says so and points to open ones."""
    posting = public_posting_by_id(job_posting_pk)
    is_open = posting_accepts_applications(posting)
    photos = list(posting.photos.all())
    services = [s.label for s in OfficeService.objects.filter(office_id=posting.office_id)]
    return render_public(
        request,
        "recruitment/public/detail.html",
        {
            "posting": posting,
            "office": posting.office,
            "services": services,
            "is_open": is_open,
            "pay": _pay(posting),
            "description_html": mark_safe(clean_html(posting.description)),  # noqa: S308
            "photos": photos,
            "shifts": _labels(posting.shifts, Shift),
            "required": _labels(posting.qualifications_required, Qualification),
            "welcome": _labels(posting.qualifications_welcome, Qualification),
            "tags": _labels(posting.welcome_tags, WelcomeTag),
            "working_style": WorkingStyle(posting.working_style).label,
            "fixed_overtime_hours": f"{posting.fixed_overtime_hours.normalize():f}"
            if posting.fixed_overtime_hours is not None
            else "",
            "fixed_overtime_pay": f"{posting.fixed_overtime_pay:,}"
            if posting.fixed_overtime_pay is not None
            else "",
            "other_postings": other_open_postings(posting=posting),
            "related_postings": [] if is_open else related_open_postings(posting=posting),
            "booths": upcoming_booths(office_id=posting.office_id),
            "json_ld": _json_ld(request, posting, is_open),
            "page_url": _absolute(request, "jobs:detail", job_posting_pk=posting.pk),
            "image_url": _absolute(
                request,
                "jobs:photo",
                job_posting_pk=posting.pk,
                job_posting_photo_pk=photos[0].pk,
            )
            if photos
            else "",
            "og_description": strip_tags(clean_html(posting.description))[:200],
        },
    )


@public
@_cached("feed")
def job_feed(request: HttpRequest) -> HttpResponse:
    """An Atom feed of the newest open postings."""
    association = getattr(request, "association", None)
    postings = list(
        open_postings().select_related("office").order_by("-published_at", "-pk")[:FEED_SIZE]
    )
    title = escape(_("Jobs") + (f" | {association.name}" if association else ""))
    updated = max((p.updated_at for p in postings), default=timezone.now()).isoformat()
    feed_url = escape(request.build_absolute_uri(reverse("jobs:feed")))
    board_url = escape(request.build_absolute_uri(reverse("jobs:list")))
    entries = []
    for posting in postings:
        url = escape(_absolute(request, "jobs:detail", job_posting_pk=posting.pk))
        summary = escape(f"{posting.office.name} · {_pay(posting)}")
        published = (posting.published_at or posting.created_at).isoformat()
        entries.append(
            f'<entry><title>{escape(posting.title)}</title><link href="{url}"/>'
            f"<id>{url}</id><published>{published}</published>"
            f"<updated>{posting.updated_at.isoformat()}</updated>"
            f"<author><name>{escape(posting.office.name)}</name></author>"
            f"<summary>{summary}</summary></entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">'
        f"<title>{title}</title><id>{feed_url}</id>"
        f'<link rel="self" href="{feed_url}"/><link href="{board_url}"/>'
        f"<updated>{updated}</updated>{''.join(entries)}</feed>"
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@public
def job_photo(request: HttpRequest, job_posting_pk: int, job_posting_photo_pk: int) -> FileResponse:
    """A posting's photo, served through Django: uploads are never public files."""
    posting = public_posting_by_id(job_posting_pk)
    photo = JobPostingPhoto.objects.filter(posting=posting, pk=job_posting_photo_pk).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _limited(request: HttpRequest, posting: JobPosting) -> bool:
    """Counted on each POST: per visitor address, and per posting."""
    by_address = is_ratelimited(
        request,
        group="jobs:apply:address",
        key=lambda _group, req: client_address(req),
        rate=RATE_PER_ADDRESS,
        method="POST",
        increment=True,
    )
    by_posting = is_ratelimited(
        request,
        group="jobs:apply:posting",
        key=lambda _group, _req: str(posting.pk),
        rate=RATE_PER_POSTING,
        method="POST",
        increment=True,
    )
    return by_address or by_posting


@public
@require_http_methods(["GET", "POST"])
def job_apply(request: HttpRequest, job_posting_pk: int) -> HttpResponse:
    """Apply without an account. Rate-limited, with a honeypot and a minimum fill time."""
    posting = public_posting_by_id(job_posting_pk)
    association = getattr(request, "association", None)
    rules = recruitment_settings(association_id=posting.association_id)
    context: dict[str, Any] = {"posting": posting, "rules": rules, "association": association}
    if not posting_accepts_applications(posting):
        return render(request, "recruitment/public/apply.html", {**context, "closed": True})
    form = ApplicationForm(request.POST or None, initial={"started": form_started_token()})
    status = 200
    if request.method == "POST":
        if _limited(request, posting):
            context["limited"] = True
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                _application, key = application_submit(
                    posting=posting,
                    name=data["name"],
                    kana=data["kana"],
                    email=data["email"],
                    phone=data["phone"],
                    age_band=data["age_band"],
                    qualifications=data["qualifications"],
                    preferred_start=data["preferred_start"],
                    message=data["message"],
                    consent=data["consent"],
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(
                    reverse("jobs:application_status") + "?" + urlencode({"key": key, "new": 1})
                )
    return render(
        request, "recruitment/public/apply.html", {**context, "form": form}, status=status
    )


@public
@require_http_methods(["GET", "POST"])
def application_status(request: HttpRequest) -> HttpResponse:
    """The applicant's own page, reached by the secret link: status, and withdrawal that
    deletes the application at once."""
    key = request.POST.get("key") or request.GET.get("key", "")
    if request.method == "POST":
        try:
            title = application_withdraw(key=key)
        except ValidationError:
            return render(request, "recruitment/public/status.html", {"application": None})
        return render(request, "recruitment/public/status.html", {"withdrawn_title": title})
    application = application_for_key(key)
    response = render(
        request,
        "recruitment/public/status.html",
        {
            "application": application,
            "key": key,
            "new": request.GET.get("new") == "1",
            "rules": recruitment_settings(association_id=application.association_id)
            if application
            else None,
        },
    )
    # The key is in the URL: never sent to another site (same-origin keeps the CSRF Origin).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
