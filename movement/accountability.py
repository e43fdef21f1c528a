"""What became of the pledges: a public page per pledging candidate and the
campaign page's summary (pledgers per party, elected pledgers, records per demand).
"""

from wagtail.contrib.routable_page.models import path


class AccountabilityPageMixin:
    """Routes of the candidates' pages; mixed into ``CampaignPage`` before
    ``RoutablePageMixin``."""

    @path("candidates/<int:pledge_id>/", name="candidate")
    def candidate(self, request, pledge_id):
        raise NotImplementedError
