from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest

from association.client import client_address
from association.mail import queue_mail
from association.navigation import landing_url


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Sign-up only where an association serves the host.
        return getattr(request, "association", None) is not None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Each person lands where their work is (association.navigation.landing_url); a
        `next` parameter is followed before this is asked."""
        from association.permissions import access_for

        association = getattr(request, "association", None)
        if association is not None:
            landing = landing_url(access_for(request.user, association))
            if landing:
                return landing
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's per-address log-in limits key on this: the trusted-proxy rule of
        # association.client, not allauth's own header handling.
        return client_address(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's mails (verification, password reset …): rendered here in the request's
        language and host, sent by `mail_send` after the commit like every other mail."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        site = get_current_site(request)
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": site, **context},
        )
        html = None
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (str(part) for part, mimetype in message.alternatives if mimetype == "text/html"),
                None,
            )
        body = str(message.body)
        if message.content_subtype == "html":  # an HTML-only template
            body, html = "", body
        queue_mail(
            subject=str(message.subject),
            body=body,
            to=list(message.to),
            from_email=message.from_email,
            html=html,
        )
