"""The permission matrix, generated from the URL resolver: every admin URL pattern
that Wagtail, wagtail-localize and the project register, requested by every role of
organisation A (editor, translator, event staff, membership officer) with organisation
B's objects in its keyword arguments.

- GET: no answer shows anything of B's (B's titles, names and tags carry
  ``MARKER``): a URL naming one of B's objects is refused (403, 404, 405, a redirect
  away) or shows nothing of it; a listing shows only A's items.
- POST (empty form): nothing of B's changes (a fingerprint of B's rows before and
  after each request).

Each pattern's keyword arguments are filled from ``fill`` below; a pattern it cannot
fill fails the test, so a new pattern is covered automatically or listed in
``EXEMPT`` with a reason. One world is built for the whole run.
"""

import itertools
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.settings.registry import registry as settings_registry
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import (
    Collection,
    Locale,
    ModelLogEntry,
    Page,
    Site,
    Task,
    TaskState,
    UploadedFile,
    Workflow,
    WorkflowState,
)
from wagtail.snippets.models import get_snippet_models
from wagtail_localize.models import OverridableSegment, StringTranslation, Translation

from congress.questions import Question
from congress.registrations import Registration
from home.models import SiteRole
from membership import services as membership_services
from membership.mailings import Delivery, Mailing, MailingVersion, UndeliverableAddress
from membership.models import JoinPage, OrganisationApplication
from membership.records import ExportJob, SignUp, Supporter
from movement.models import Pledge, PledgeCommitment

from .conftest import HOST
from .worlds import MARKER, ROLES, add_congress_participation, add_mailings, build_world

pytestmark = pytest.mark.django_db

# Patterns the test does not request, each with its reason. Keep it small.
EXEMPT = {
    "wagtailadmin_password_reset_confirm": "a token from an email, no object of any site",
    "security_2fa_enrol_link": "a token from an email, no object of any site",
    "wagtail.admin.views.home.default": "the admin's catch-all 404 page, no object",
    "wagtailadmin_error_test": "Wagtail's view that fails on purpose (error reporting test)",
}
# Objects every organisation shares (one per installation): they are nobody's "B".
SHARED = object()


class Unfillable(Exception):
    pass


def admin_patterns():
    """(view name, full route) of every URL pattern under /admin/."""
    found = []

    def walk(patterns, namespaces, route):
        for pattern in patterns:
            here = route + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                extra = [pattern.namespace] if pattern.namespace else []
                walk(pattern.url_patterns, namespaces + extra, here)
            elif isinstance(pattern, URLPattern):
                name = ":".join([*namespaces, pattern.name or pattern.lookup_str])
                found.append((name, here))

    walk(get_resolver().url_patterns, [], "/")
    return [each for each in found if each[1].lstrip("^/").startswith("admin/")]


KWARG = re.compile(r"<(?:\w+:)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?:[^()]|\([^()]*\))*\)")


def kwarg_names(route):
    return [m.group("name") or m.group("rname") for m in KWARG.finditer(route)]


def build_url(route, values):
    url = KWARG.sub(lambda m: str(values[m.group("name") or m.group("rname")]), route)
    return re.sub(r"\^|\$", "", url).replace("\\.", ".").replace("//", "/")


class Filler:
    """B's object for each keyword argument, by view and argument name."""

    def __init__(self, world):
        self.w = world
        b = world["b"]
        self.b = b
        self.by_model = {
            "congress.outcome": b["outcome"],
            "congress.speaker": b["speaker"],
            # The pledge made online: its review, its candidate's address.
            "movement.pledge": b["online_pledge"],
            "movement.candidaterecord": b["record"],
            "movement.progressupdate": b["update"],
        }

    def snippet(self, model):
        try:
            return self.by_model[model._meta.label_lower]
        except KeyError:
            raise Unfillable(f"no object of B for snippet model {model._meta.label}") from None

    def expansions(self, name, route):
        """Lists of (kwargs, owned) for the pattern; owned: some kwarg is B's."""
        names = kwarg_names(route)
        if not names:
            return [({}, False)]
        options = []
        # Snippet-type URLs: one expansion per registered snippet model.
        if {"app_label", "model_name"} <= set(names) and not name.startswith(
            ("wagtailadmin_workflows", "wagtailadmin_pages", "wagtailadmin_editing_sessions")
        ):
            models = list(get_snippet_models())
            if name.startswith("wagtail_bulk_action"):
                models = [*models, Page, get_image_model(), get_document_model()]
            for model in models:
                base = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
                owned = False
                if "pk" in names:
                    base["pk"] = self.snippet(model).pk
                    owned = True
                if "action" in names:
                    base["action"] = "delete"
                options.append((base, owned))
            return options
        if {"app_name", "model_name"} <= set(names) and name.startswith("wagtailsettings"):
            for model in settings_registry:
                base = {"app_name": model._meta.app_label, "model_name": model._meta.model_name}
                if "pk" in names:
                    base["pk"] = self.b["site"].pk
                options.append((base, "pk" in names))
            return options
        values, owned = {}, False
        for kwarg in names:
            value = self.value(name, kwarg)
            if value is SHARED:
                continue
            if isinstance(value, tuple):
                value, mine = value
            else:
                mine = True
            values[kwarg] = value
            owned = owned or mine
        shared = {k: self.shared(name, k) for k in names if k not in values}
        return [({**values, **shared}, owned)]

    def shared(self, name, kwarg):
        if name.startswith("wagtaillocales"):
            return Locale.objects.get(language_code="en").pk
        if "task" in name or kwarg == "task_id":
            return Task.objects.first().pk
        if name.startswith("wagtailadmin_workflows") or kwarg == "workflow_pk":
            return Workflow.objects.first().pk
        raise Unfillable(f"{name}: {kwarg}")

    def value(self, name, kwarg):  # noqa: C901 - one table, read top to bottom
        b = self.b
        page, draft = b["page"], b["draft"]
        namespace = name.split(":")[0]
        image, document = b["image"], b["document"]
        if kwarg == "congress_pk" or (kwarg == "page_id" and name.startswith("congress_")):
            # Registrations (list, export, check-in, walk-in) and questions of B's congress.
            return b["congress"].pk
        if name == "congress_question_action":
            if kwarg == "pk":
                return b["question"].pk
            if kwarg == "action":
                return ("approve", False)
        if kwarg in ("page_id", "parent_page_id", "page_to_move_id", "page_pk"):
            if name.startswith("wagtailforms"):
                return b["join_page"].pk
            if "workflow" in name:
                return draft.pk
            return page.pk
        if kwarg == "destination_id":
            return b["org"].home_sq.pk
        if kwarg == "revision_id":
            if "outcome" in name:
                return b["outcome_revision"].pk
            return page.latest_revision_id
        if kwarg == "revision_id_a":
            return ("earliest", False)
        if kwarg == "revision_id_b":
            return ("latest", False)
        if kwarg in ("task_state_id",):
            return TaskState.objects.filter(workflow_state=b["workflow_state"]).first().pk
        if kwarg == "workflow_state_id":
            return b["workflow_state"].pk
        if kwarg in ("task_id", "workflow_pk"):
            return SHARED
        if kwarg == "action_name":
            return ("approve", False)
        if kwarg in ("content_type_app_name", "content_type_model_name"):
            return ("home" if kwarg.endswith("app_name") else "standardpage", False)
        if kwarg in ("app_label", "model_name", "app_name"):
            fixed = {
                "wagtailadmin_pages:choose_parent": ("home", "standardpage"),
                "wagtailadmin_workflows:add_task": ("wagtailcore", "groupapprovaltask"),
                "wagtailadmin_editing_sessions:ping": ("wagtailcore", "page"),
                "wagtailadmin_tag_model_autocomplete": ("wagtaildocs", "document"),
            }
            if name not in fixed:
                raise Unfillable(f"{name}: {kwarg}")
            return (fixed[name][0 if kwarg != "model_name" else 1], False)
        if kwarg == "object_id":
            return page.pk
        if kwarg == "session_id":
            return b["editing_session"].pk
        if kwarg in ("image_id",):
            return image.pk
        if kwarg in ("document_id", "doc_id"):
            return document.pk
        if kwarg == "uploaded_file_id":
            return b["uploaded_image" if "image" in name else "uploaded_document"].pk
        if kwarg == "collection_id":
            return b["collection"].pk
        if kwarg == "redirect_id":
            return b["redirect"].pk
        if kwarg == "translation_id":
            return b["outcome_translation"].pk
        if kwarg == "translation_source_id":
            return b["outcome_translation"].source_id
        if kwarg == "string_segment_id":
            return b["outcome_translation"].source.stringsegment_set.first().pk
        if kwarg == "overridable_segment_id":
            return b["overridable_segment"].pk
        if kwarg == "mode":
            return ("default", False)
        if kwarg == "filter_spec":
            return ("original", False)
        if kwarg == "fmt":
            return ("csv", False)
        if kwarg == "user_id":
            return b["users"][SiteRole.EDITOR].pk
        if kwarg == "signup_pk":
            return b["signup"].pk
        if kwarg == "language" and name == "membership_mailing_preview":
            return ("sq", False)
        if kwarg == "pk":
            by_namespace = {
                "wagtailadmin_api:pages": page.pk,
                "wagtailadmin_api:images": image.pk,
                "wagtailadmin_api:documents": document.pk,
                "wagtailimages_chooser": image.pk,
                "wagtaildocs_chooser": document.pk,
                "wagtailadmin_collections": b["collection"].pk,
                "wagtailadmin_pages": page.pk,
                "wagtailsites": b["site"].pk,
                "wagtailusers_users": b["users"][SiteRole.EDITOR].pk,
                "wagtailusers_groups": b["groups"][SiteRole.EDITOR].pk,
                "membership_signup_withdraw": b["supporter"].pk,
            }
            prefix = name.rsplit(":", 1)[0] if ":" in name else name
            if prefix in by_namespace:
                return by_namespace[prefix]
            if name in by_namespace:
                return by_namespace[name]
            if name.startswith("membership_person"):
                return b["supporter"].pk
            if name.startswith("membership_mailing"):
                # The message in the state the view acts on.
                mailings = b["mailings"]
                by_view = {
                    "membership_mailing_approve": mailings["approval"],
                    "membership_mailing_cancel": mailings["sending"],
                    "membership_mailing_progress": mailings["sending"],
                }
                return by_view.get(name, mailings["draft"]).pk
            if name == "membership_export_download":
                return b["export_job"].pk
            if name == "membership_organisation":
                return b["application"].pk
            if namespace.startswith(("wagtailsnippets_", "wagtailsnippetchoosers_")):
                label = namespace.split("_", 1)[1].replace("_", ".", 1)
                return self.snippet(apps.get_model(label)).pk
            if namespace in ("wagtaillocales", "wagtailadmin_workflows"):
                return SHARED
        raise Unfillable(f"{name}: {kwarg}")


def add_b_extras(world, make_user):
    """What the matrix needs of B beyond worlds.build_side: people, a form page,
    redirects, uploads, an editing session, an overridable segment."""
    b = world["b"]
    org = b["org"]
    join = JoinPage(
        title=f"Anëtarësimi {MARKER}",
        slug="anetaresimi-b",
        intro="<p>x</p>",
        consent_text="Po.",
        thank_you="Faleminderit.",
    )
    org.home_sq.add_child(instance=join)
    join.save_revision().publish()
    ids = membership_services.store_submission(
        site=b["site"],
        page=join,
        language="sq",
        email=f"{MARKER.lower()}@example.org",
        person={"given_name": MARKER, "family_name": MARKER},
        signups=[{"kind": "membership", "fields": {}, "consents": [("signup", "Po.")]}],
        notify=False,
    )
    membership_services.confirm(ids)
    supporter = Supporter.objects.get(site=b["site"], email=f"{MARKER.lower()}@example.org")
    editor_b = b["users"][SiteRole.EDITOR]
    b |= {
        "join_page": join,
        "supporter": supporter,
        "signup": SignUp.objects.filter(supporter=supporter).first(),
        "redirect": Redirect.objects.create(
            old_path=f"/{MARKER.lower()}", site=b["site"], redirect_link="https://example.org/"
        ),
        "uploaded_image": UploadedFile.objects.create(
            for_content_type=ContentType.objects.get_for_model(get_image_model()),
            file=get_test_image_file(),
            uploaded_by_user=editor_b,
        ),
        "uploaded_document": UploadedFile.objects.create(
            for_content_type=ContentType.objects.get_for_model(get_document_model()),
            file=ContentFile(b"x", name="upload.txt"),
            uploaded_by_user=editor_b,
        ),
        "editing_session": EditingSession.objects.create(
            user=editor_b, content_object=b["page"].page_ptr, last_seen_at=timezone.now()
        ),
        "overridable_segment": OverridableSegment.objects.first(),
        "export_job": finished_export(b["site"], b["users"][SiteRole.MEMBERSHIP_OFFICER]),
        "application": organisation_application(b["site"]),
    }
    registrants = [r.signup.supporter for r in b["registrations"]]
    add_mailings(b, [supporter, *registrants[:2]])


def organisation_application(site):
    """An organisation's application to B, waiting for review, its contact confirmed."""
    contact = Supporter.objects.create(
        site=site, email=f"kontakt-{MARKER.lower()}@example.org", given_name=MARKER
    )
    signup = SignUp.objects.create(
        supporter=contact, kind=SignUp.Kind.ORGANISATION, state=SignUp.State.CONFIRMED
    )
    return OrganisationApplication.objects.create(
        signup=signup, site=site, name=f"Shoqata {MARKER}", kind="ngo", work=MARKER
    )


def finished_export(site, officer):
    """An export of B's people, ready to download, whose file names B's marker."""
    job = ExportJob.objects.create(
        user=officer,
        username=officer.username,
        format=ExportJob.Format.CSV,
        state=ExportJob.State.DONE,
        file_name=f"people-matrix-{site.pk}.csv",
    )
    job.sites.add(site)
    job.path.parent.mkdir(parents=True, exist_ok=True)
    job.path.write_text(f"{MARKER.lower()}@example.org\n")
    return job


def fingerprint(world):
    """B's rows as they stand: whatever a request changes of B's shows here."""
    b = world["b"]
    site = b["site"]
    pages = Page.objects.descendant_of(b["org"].home_sq, inclusive=True) | Page.objects.filter(
        pk=b["org"].home_en.pk
    )
    snippets = [
        b["outcome"],
        b["speaker"],
        b["pledge"],
        b["online_pledge"],
        b["record"],
        b["update"],
    ]
    users = get_user_model().objects.filter(groups__site_role__site=site)
    return (
        list(
            pages.values("pk", "title", "live", "locked", "latest_revision_id", "path", "alias_of")
        ),
        [list(type(s).objects.filter(pk=s.pk).values()) for s in snippets],
        list(PledgeCommitment.objects.filter(pledge__campaign=b["campaign"]).values()),
        list(
            ModelLogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Pledge),
                object_id=str(b["online_pledge"].pk),
            ).values("action")
        ),
        list(
            get_image_model().objects.filter(pk=b["image"].pk).values("title", "collection", "file")
        ),
        list(
            get_document_model().objects.filter(pk=b["document"].pk).values("title", "collection")
        ),
        list(Translation.objects.filter(source__object_repr__contains=MARKER).values()),
        list(
            StringTranslation.objects.filter(
                context__object_id__in=Translation.objects.filter(
                    source__object_repr__contains=MARKER
                ).values("source__object_id")
            ).values("pk", "data")
        ),
        list(Supporter.objects.filter(site=site).values()),
        list(ExportJob.objects.filter(sites=site).values()),
        list(SignUp.objects.filter(supporter__site=site).values()),
        list(Redirect.objects.filter(site=site).values()),
        list(Site.objects.filter(pk=site.pk).values()),
        list(Collection.objects.filter(pk=b["collection"].pk).values()),
        list(users.values("pk", "is_active", "email", "password")),
        list(Group.objects.filter(site_role__site=site).values("pk", "name")),
        list(WorkflowState.objects.filter(pk=b["workflow_state"].pk).values()),
        list(site.roles.values()),
        list(OrganisationApplication.objects.filter(site=site).values()),
        list(Registration.objects.filter(congress=b["congress"]).values()),
        list(Question.objects.filter(congress=b["congress"]).values()),
        list(Mailing.objects.filter(site=site).values()),
        list(MailingVersion.objects.filter(mailing__site=site).values()),
        list(Delivery.objects.filter(mailing__site=site).values()),
        list(UndeliverableAddress.objects.filter(site=site).values()),
    )


def outcome(client, response):
    if response.status_code == 302 and response["Location"].startswith("/sq/admin/"):
        response = client.get(response["Location"], HTTP_HOST=HOST)
    return response


def requests_to_make(world):
    filler = Filler(world)
    todo, unfillable = [], []
    for name, route in admin_patterns():
        if name in EXEMPT:
            continue
        try:
            expansions = filler.expansions(name, route)
        except Unfillable as exc:
            unfillable.append(str(exc))
            continue
        reached = False
        for values, owned in expansions:
            url = build_url(route, values)
            try:
                match = resolve(url)
            except Resolver404:
                match = None  # the filler built it wrongly
            if match is None or match.route.replace("^", "") != route[1:].replace("^", ""):
                continue  # an earlier pattern answers this URL; it has its own turn
            reached = True
            todo.append((name, url, owned))
        if not reached:
            unfillable.append(f"{name}: no filled URL reaches {route}")
    return todo, unfillable


@pytest.fixture
def world(make_org, make_user):
    world = build_world(make_org, make_user)
    add_congress_participation(world["a"])
    add_congress_participation(world["b"])
    add_b_extras(world, make_user)
    return world


def test_every_admin_pattern_is_filled(world):
    todo, unfillable = requests_to_make(world)
    assert unfillable == [], "\n" + "\n".join(unfillable)
    assert len(todo) > 250


def test_no_role_of_a_reaches_bs_objects(client, world):
    todo, _ = requests_to_make(world)
    wrong = []
    client.raise_request_exception = False
    before = fingerprint(world)
    for role, (name, url, owned) in itertools.product(ROLES, todo):
        user = world["a"]["users"][role]
        client.force_login(user)
        response = outcome(client, client.get(url, HTTP_HOST=HOST))
        if response.status_code >= 500:
            wrong.append(f"GET  {role:18} {name:55} {response.status_code}  {url}")
        if response.status_code == 200:
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            body = content.decode(errors="replace")
            if MARKER in body:
                what = "B's object" if owned else "B's items"
                wrong.append(f"GET  {role:18} {name:55} 200 shows {what}  {url}")
        client.force_login(user)
        response = client.post(url, {}, HTTP_HOST=HOST)
        if response.status_code >= 500:
            wrong.append(f"POST {role:18} {name:55} {response.status_code}  {url}")
        after = fingerprint(world)
        if after != before:
            wrong.append(f"POST {role:18} {name:55} changed B's data    {url}")
            before = after
    assert wrong == [], "\n" + "\n".join(wrong)
