"""Settings of the benchmark: production's (``config.settings.base``) plus one URL.

``bench.py`` sets the environment as production would (DEBUG off, a generated
SECRET_KEY, the database and cache URLs) and only adds plain HTTP on loopback.
The one difference in code is the URL configuration: ``tests/load/urls.py`` puts a
trivial view in front of the site's URLs, so that the ceiling of this stack is
measured under exactly the same server, settings and middleware.
"""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "tests.load.urls"
