"""Wagtail's default "Editors" and "Moderators" groups, which hold rights over every
organisation, are gone after migrate (home/migrations/0003); the groups of the
organisations are the only ones offered."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

from home.models import SiteRole, StandardPage
from home.roles import ensure_site_roles
from tests.conftest import publish

migration = importlib.import_module("home.migrations.0003_remove_wagtail_default_groups")

pytestmark = pytest.mark.django_db


def test_after_migrate_no_group_holds_rights_on_the_root_page_or_collection():
    assert not Group.objects.filter(name__in=["Editors", "Moderators"]).exists()
    assert not GroupPagePermission.objects.filter(page__depth=1).exists()
    assert not GroupCollectionPermission.objects.filter(collection__depth=1).exists()
    # The default workflow needed the Moderators group: it is disabled, not broken.
    workflow = Workflow.objects.get(name="Moderators approval")
    assert not workflow.active
    assert not WorkflowPage.objects.filter(workflow=workflow).exists()
    assert not Workflow.objects.filter(active=True).exists()


def test_a_new_user_is_offered_only_the_organisations_groups(client, org, django_user_model):
    roles = ensure_site_roles(org.site)
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "x"))

    response = client.get(reverse("wagtailusers_users:add"))

    assert response.status_code == 200
    offered = set(response.context["form"].fields["groups"].queryset)
    assert offered == set(roles.values())
    assert offered == {site_role.group for site_role in SiteRole.objects.all()}


def _default_group(name, permissions):
    group = Group.objects.create(name=name)
    root_page, root_collection = Page.get_first_root_node(), Collection.get_first_root_node()
    for codename in permissions:
        GroupPagePermission.objects.create(
            group=group, page=root_page, permission=_permission("wagtailcore", codename)
        )
    GroupCollectionPermission.objects.create(
        group=group,
        collection=root_collection,
        permission=_permission("wagtailimages", "add_image"),
    )
    return group


def _permission(app_label, codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_only_groups_that_look_as_wagtail_made_them_are_deleted(org, django_user_model):
    moderators = _default_group("Moderators", ["add_page", "change_page", "publish_page"])
    editors = _default_group("Editors", ["add_page", "change_page"])
    editors.user_set.add(django_user_model.objects.create_user("someone", "s@example.org", "x"))
    workflow = Workflow.objects.create(name="Moderators approval", active=True)
    task = GroupApprovalTask.objects.create(name="Moderators approval")
    task.groups.set([moderators])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=Page.get_first_root_node())
    page, _ = org.add_page(StandardPage(title="Në shqyrtim", slug="ne-shqyrtim", intro="Hyrje"))
    page.save_revision()
    state = workflow.start(page, editors.user_set.get())
    publish(org.home_sq)

    migration.remove_default_groups(apps, None)

    assert not Group.objects.filter(pk=moderators.pk).exists()
    assert Group.objects.filter(pk=editors.pk).exists()  # it has a member
    workflow.refresh_from_db()
    assert not workflow.active
    assert not WorkflowPage.objects.filter(workflow=workflow).exists()
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_CANCELLED
    assert state.current_task_state.status == "cancelled"


def test_moderators_that_approve_in_another_task_are_kept(org):
    moderators = _default_group("Moderators", ["publish_page"])
    workflow = Workflow.objects.create(name="Moderators approval", active=True)
    for name in ("Moderators approval", "Legal check"):
        task = GroupApprovalTask.objects.create(name=name)
        task.groups.set([moderators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=task.pk)

    migration.remove_default_groups(apps, None)

    assert Group.objects.filter(pk=moderators.pk).exists()
    workflow.refresh_from_db()
    assert workflow.active
