"""System checks of the deployment (``manage.py check --deploy --database default``)."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.security, deploy=True)
def sites_on_https_port(app_configs=None, databases=None, **kwargs):
    """Every absolute address the site writes (canonical and language links, the
    sitemap, the links in confirmation emails) comes from its Wagtail Site: behind
    HTTPS a Site on another port than 443 would write ``http://`` links, and a
    link's token would first cross the network in clear. Reads the database, so it
    runs only when ``--database`` is given."""
    if not databases or not settings.SECURE_SSL_REDIRECT:
        return []
    from wagtail.models import Site

    try:
        sites = list(Site.objects.exclude(port=443).values_list("hostname", "port"))
    except DatabaseError:
        return []
    return [
        checks.Warning(
            f"The site {hostname} is on port {port}: its links would start with http://.",
            hint="Set its port to 443 in Settings → Sites (docs/deployment.md, step 10).",
            id="home.W001",
        )
        for hostname, port in sites
    ]
