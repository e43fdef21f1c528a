"""Wagtail's default "Editors" and "Moderators" groups go; the per-organisation groups
(``home.roles.ensure_site_roles``) are the only ones.

Wagtail's first migrations make the two groups with page permissions on the root
page and image and document permissions on the root collection: every organisation's
pages and media. A group is deleted only while it still looks as Wagtail made it: no
member, no organisation role, no page or collection privacy naming it, and
permissions on nothing but the root page and the root collection. One that has been
given members or other permissions is somebody's choice and stays (it can be
deleted in Settings → Groups).

Wagtail also made the "Moderators approval" workflow, assigned to the root page,
whose one task is approval by the Moderators group. Without the group nobody but a
superuser could approve, so when the group goes, the workflow is disabled as Wagtail's
"Disable" does (unassigned, moderation in progress cancelled, its history kept). A
group that any other approval task names is kept, as is that workflow.

Reversing does nothing: the groups are not made again.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

DEFAULT_GROUPS = ("Moderators", "Editors")
DEFAULT_WORKFLOW = "Moderators approval"


def _default_workflows(apps, task, group):
    """The workflows of ``task`` if it is Wagtail's default approval task of ``group``
    (named so, for this group alone, the one task of workflows named so); else None."""
    Workflow = apps.get_model("wagtailcore", "Workflow")
    workflows = Workflow.objects.filter(workflow_tasks__task=task)
    if (
        task.name != DEFAULT_WORKFLOW
        or list(task.groups.all()) != [group]
        or workflows.exclude(name=DEFAULT_WORKFLOW).exists()
        or any(workflow.workflow_tasks.count() != 1 for workflow in workflows)
    ):
        return None
    return workflows


def _untouched(apps, group):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    SiteRole = apps.get_model("home", "SiteRole")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    PageViewRestriction = apps.get_model("wagtailcore", "PageViewRestriction")
    CollectionViewRestriction = apps.get_model("wagtailcore", "CollectionViewRestriction")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    return not (
        User.objects.filter(groups=group).exists()
        or SiteRole.objects.filter(group=group).exists()
        or PageViewRestriction.objects.filter(groups=group).exists()
        or CollectionViewRestriction.objects.filter(groups=group).exists()
        or GroupPagePermission.objects.filter(group=group).exclude(page__depth=1).exists()
        or GroupCollectionPermission.objects.filter(group=group)
        .exclude(collection__depth=1)
        .exists()
        or any(
            _default_workflows(apps, task, group) is None
            for task in GroupApprovalTask.objects.filter(groups=group)
        )
    )


def _disable(apps, workflow):
    """What Wagtail's "Disable" does to a workflow, its history kept."""
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    TaskState = apps.get_model("wagtailcore", "TaskState")
    states = WorkflowState.objects.filter(
        workflow=workflow, status__in=("in_progress", "needs_changes")
    )
    TaskState.objects.filter(workflow_state__in=states, status="in_progress").update(
        status="cancelled", finished_at=timezone.now()
    )
    states.update(status="cancelled")
    WorkflowPage.objects.filter(workflow=workflow).delete()
    WorkflowContentType.objects.filter(workflow=workflow).delete()
    workflow.active = False
    workflow.save(update_fields=["active"])


def remove_default_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    for name in DEFAULT_GROUPS:
        group = Group.objects.filter(name=name).first()
        if group is None or not _untouched(apps, group):
            continue
        for task in GroupApprovalTask.objects.filter(groups=group):
            for workflow in _default_workflows(apps, task, group).filter(active=True):
                _disable(apps, workflow)
        group.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_site_role"),
        # The migrations that made the groups and gave them permissions.
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(remove_default_groups, migrations.RunPython.noop)]
