from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.models import GroupSitePermission

from home.models import SiteRole

from . import admin_views, demo, mailing_admin, organisation_admin, organisation_flow

OFFICER_PERMISSIONS = [
    "view_supporter",
    "change_supporter",
    "export_supporter",
    "erase_supporter",
    "enter_paper_signatures",
    "view_signup",
    "review_organisationapplication",
    "send_mailing",
]


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("people/", admin_views.people_index, name="membership_people"),
        path(
            "people/export/<str:fmt>/",
            admin_views.people_export,
            name="membership_people_export",
        ),
        path("people/exports/", admin_views.export_list, name="membership_exports"),
        path(
            "people/exports/<int:pk>/",
            admin_views.export_download,
            name="membership_export_download",
        ),
        path("people/resend/", admin_views.people_resend, name="membership_people_resend"),
        path("people/paper/", admin_views.paper_entry, name="membership_paper"),
        path("people/paper/import/", admin_views.paper_import, name="membership_paper_import"),
        path("people/<int:pk>/", admin_views.person_detail, name="membership_person"),
        path(
            "people/<int:pk>/export/",
            admin_views.person_export,
            name="membership_person_export",
        ),
        path("people/<int:pk>/erase/", admin_views.person_erase, name="membership_person_erase"),
        path(
            "people/<int:pk>/resend/",
            admin_views.person_resend,
            name="membership_person_resend",
        ),
        path(
            "people/<int:pk>/signups/<int:signup_pk>/withdraw/",
            admin_views.signup_withdraw,
            name="membership_signup_withdraw",
        ),
        path(
            "people/<int:pk>/undeliverable/",
            mailing_admin.person_undeliverable,
            name="membership_person_undeliverable",
        ),
        path("messages/", mailing_admin.mailing_index, name="membership_mailings"),
        path("messages/new/", mailing_admin.mailing_add, name="membership_mailing_add"),
        path("messages/<int:pk>/", mailing_admin.mailing_edit, name="membership_mailing"),
        path(
            "messages/<int:pk>/preview/<str:language>/",
            mailing_admin.mailing_preview,
            name="membership_mailing_preview",
        ),
        path("messages/<int:pk>/test/", mailing_admin.mailing_test, name="membership_mailing_test"),
        path(
            "messages/<int:pk>/send/",
            mailing_admin.mailing_send_view,
            name="membership_mailing_send",
        ),
        path(
            "messages/<int:pk>/approve/",
            mailing_admin.mailing_approve,
            name="membership_mailing_approve",
        ),
        path(
            "messages/<int:pk>/progress/",
            mailing_admin.mailing_progress,
            name="membership_mailing_progress",
        ),
        path(
            "messages/<int:pk>/cancel/",
            mailing_admin.mailing_cancel,
            name="membership_mailing_cancel",
        ),
        path(
            "organisations/",
            organisation_admin.applications_index,
            name="membership_organisations",
        ),
        path(
            "organisations/<int:pk>/",
            organisation_admin.application_detail,
            name="membership_organisation",
        ),
    ]


class PeopleMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.user_can_see_people(request.user)


@hooks.register("register_admin_menu_item")
def register_people_menu_item():
    return PeopleMenuItem(_("People"), reverse("membership_people"), icon_name="group", order=250)


class MessagesMenuItem(MenuItem):
    def is_shown(self, request):
        return mailing_admin.user_can_send(request.user)


@hooks.register("register_admin_menu_item")
def register_messages_menu_item():
    return MessagesMenuItem(
        _("Messages"), reverse("membership_mailings"), icon_name="mail", order=251
    )


class OrganisationsMenuItem(MenuItem):
    def is_shown(self, request):
        return organisation_admin.user_can_review(request.user)


@hooks.register("register_admin_menu_item")
def register_organisations_menu_item():
    return OrganisationsMenuItem(
        _("Organisations' applications"),
        reverse("membership_organisations"),
        icon_name="site",
        order=252,
    )


# Organisations' applications follow their contact person's sign-up.
hooks.register("membership_signups_confirmed", organisation_flow.signups_confirmed)
hooks.register("membership_signups_withdrawn", organisation_flow.signups_withdrawn)
hooks.register("membership_supporter_erased", organisation_flow.supporter_erased)
hooks.register("membership_person_export", organisation_flow.person_export)


@hooks.register("site_role_permissions")
def grant_officer_permissions(site_role):
    """Membership officers: the people of their own site (the views check the site)
    and their site's membership settings. Nobody else gets these."""
    if site_role.role != SiteRole.MEMBERSHIP_OFFICER:
        return
    group = site_role.group
    for codename in OFFICER_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="membership", codename=codename)
        )
    GroupSitePermission.objects.get_or_create(
        group=group,
        site=site_role.site,
        permission=Permission.objects.get(
            content_type__app_label="membership", codename="change_membershipsettings"
        ),
    )


class PeopleCountsPanel(Component):
    name = "membership_counts"
    order = 150

    def __init__(self, counts):
        self.counts = counts

    def render_html(self, parent_context=None):
        return render_to_string(
            "membership/admin/dashboard_panel.html",
            {
                "counts": [
                    {**row, "url": admin_views.people_url_for(row["site"])} for row in self.counts
                ]
            },
        )


@hooks.register("construct_homepage_panels")
def add_people_counts(request, panels):
    counts = admin_views.dashboard_counts(request.user)
    if counts:
        panels.append(PeopleCountsPanel(counts))


@hooks.register("demo_content", order=50)
def demo_content(sites, report):
    demo.load(sites, report)
