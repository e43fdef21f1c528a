"""The candidate's side of a pledge, as routes of the campaign page.

- ``pledge/``: the pledge form (GET) and its POST.
- ``pledge/manage/``: the candidate's emailed link: confirm the address, edit the
  pledge while it is not approved, withdraw it, print it.
- ``pledge/print/``: the printable pledge, blank (for signing on paper at a
  meeting), or the candidate's own through their link.

None of these pages is cached.
"""

from wagtail.contrib.routable_page.models import path


class PledgePageMixin:
    """Routes of the pledge; mixed into ``CampaignPage`` before ``RoutablePageMixin``."""

    @path("pledge/", name="take_pledge")
    def take_pledge(self, request):
        raise NotImplementedError

    @path("pledge/manage/", name="manage_pledge")
    def manage_pledge(self, request):
        raise NotImplementedError

    @path("pledge/print/", name="print_pledge")
    def print_pledge(self, request):
        raise NotImplementedError
