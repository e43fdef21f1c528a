from django.conf import settings


def client_ip(request):
    """The client's address (AXES_CLIENT_IP_CALLABLE): behind N trusted reverse
    proxies (TRUSTED_PROXY_COUNT), the N-th address from the right in
    X-Forwarded-For, which the nearest proxy wrote; otherwise REMOTE_ADDR. Addresses
    further left are the client's to choose and never trusted."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
