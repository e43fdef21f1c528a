import ipaddress

from django.conf import settings


def _proxy_networks():
    networks = []
    for entry in settings.TRUSTED_PROXY_ADDRESSES:
        if entry == "*":
            return None
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks


def from_trusted_proxy(request):
    """Whether the request came straight from one of the reverse proxies listed in
    TRUSTED_PROXY_ADDRESSES (FORWARDED_ALLOW_IPS, as gunicorn reads it)."""
    networks = _proxy_networks()
    if networks is None:
        return True
    try:
        sender = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(sender in network for network in networks)


def client_ip(request, proxies=None):
    """The client's address (AXES_CLIENT_IP_CALLABLE): behind N trusted reverse
    proxies (TRUSTED_PROXY_COUNT), the N-th address from the right in
    X-Forwarded-For, which the nearest proxy wrote; otherwise REMOTE_ADDR. Addresses
    further left are the client's to choose and never trusted, and the header is read
    only from a sender in TRUSTED_PROXY_ADDRESSES: a machine that reaches an app
    server directly cannot choose its own address."""
    if proxies is None:
        proxies = settings.TRUSTED_PROXY_COUNT
    if proxies and from_trusted_proxy(request):
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
