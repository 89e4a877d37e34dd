from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from association.client import client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Sign-up only where an association serves the host.
        return getattr(request, "association", None) is not None

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's per-address log-in limits key on this: the trusted-proxy rule of
        # association.client, not allauth's own header handling.
        return client_address(request)
