"""An embed finder for tests: the test machine has no network, so every embed fails
the way an unreachable provider does, and pages must fall back to a plain link."""

from wagtail.embeds.exceptions import EmbedNotFoundException
from wagtail.embeds.finders.base import EmbedFinder


class OfflineEmbedFinder(EmbedFinder):
    def accept(self, url):
        return True

    def find_embed(self, url, max_width=None, max_height=None):
        raise EmbedNotFoundException(f"No network in tests: {url}")
