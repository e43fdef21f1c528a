"""CSV and XLSX exports of sign-ups, safe to open in a spreadsheet, at any size.

Every text cell goes through ``home.csvsafe.neutralise``: wherever a cell could
begin under any separator (comma, semicolon, tab, ``|``, a line break) and a formula
character follows, an apostrophe makes spreadsheets read it as text. The CSV comes
with a comma or, for spreadsheets whose list separator is ``;`` (Albanian and most
European locales), a semicolon (``dialect="semicolon"``), always with a UTF-8 BOM.
Phone numbers (validated to digits, spaces and ``+()-./``) are written as text
cells in XLSX, so "+383 44 123 456" stays exactly as typed.

Neither format holds the list in memory: the sign-ups are read from the database in
chunks of ``CHUNK_ROWS`` (a server-side cursor on PostgreSQL), the CSV is streamed
to the browser as it is written (``csv_chunks``), and the XLSX is written by
openpyxl's write-only workbook, row by row, into a file (``write_xlsx``). XLSX files,
and CSV files of more than ``MEMBERSHIP_EXPORT_STREAM_ROWS`` sign-ups (a request
must end within gunicorn's timeout), are built by the ``build_export`` task, in the
task worker when there is one, into a temporary file that is then stored in the
"private" storage (``records.export_storage``: ``MEMBERSHIP_EXPORT_ROOT``, or object
storage, so that any app server can hand it out), and deleted after a day by the
``discard_export`` task (on a backend that can run tasks later) or by
``membership_purge`` (``delete_expired_exports``).
"""

import io
import logging
import re
import secrets
import tempfile
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task
from wagtail.models import Site

from home import csvsafe
from home.csvsafe import neutralise

from .constants import (
    AVAILABILITY_CHOICES,
    COMMUNITY_CHOICES,
    MUNICIPALITY_CHOICES,
    serbian_names,
)
from .people import filtered
from .records import AuditEntry, ExportJob, MembershipSettings, SignUp, export_storage

logger = logging.getLogger(__name__)

SAFE_PHONE = re.compile(r"^\+?[0-9 ()./-]*$")
#: Sign-ups read from the database at a time.
CHUNK_ROWS = 2000
#: CSV rows sent to the browser in one piece.
CSV_ROWS_PER_PIECE = 500
#: Data rows on one XLSX sheet (a sheet holds 1,048,576 rows with its header);
#: more go on a second sheet.
XLSX_ROWS_PER_SHEET = 1_048_575
#: The task queue of exports (a worker of its own: settings.TASKS).
EXPORT_QUEUE = "exports"

FIELDS = (
    "pk",
    "supporter_id",
    "supporter__site_id",
    "supporter__given_name",
    "supporter__family_name",
    "supporter__email",
    "supporter__phone",
    "supporter__municipality",
    "supporter__country",
    "supporter__year_of_birth",
    "kind",
    "state",
    "source",
    "page__title",
    "language",
    "created_at",
    "confirmed_at",
    "motivation",
    "areas",
    "skills",
    "availability",
    "languages_spoken",
    "community",
)


def columns(include_special):
    cols = [
        ("signup_id", _("Sign-up id")),
        ("person_id", _("Person id")),
        ("given_name", _("Given name")),
        ("family_name", _("Family name")),
        ("email", _("Email")),
        ("phone", _("Phone")),
        ("municipality", _("Municipality")),
        ("municipality_sr", _("Municipality (Serbian name)")),
        ("country", _("Country")),
        ("year_of_birth", _("Year of birth")),
        ("kind", _("Kind")),
        ("state", _("State")),
        ("source", _("Source")),
        ("page", _("Page")),
        ("language", _("Language")),
        ("created_at", _("Signed up")),
        ("confirmed_at", _("Confirmed")),
        ("motivation", _("Motivation")),
        ("areas", _("Areas")),
        ("skills", _("Skills")),
        ("availability", _("Availability")),
        ("languages_spoken", _("Languages spoken")),
    ]
    if include_special:
        cols.append(("community", _("Community")))
    return cols


def _labels(choices):
    return {key: str(label) for key, label in choices}


#: A cell that neither starts with one of these nor holds a separator is left as it
#: is by ``neutralise`` (which is then skipped: it is most of an export's time).
_NOT_PLAIN_START = frozenset(csvsafe.FORMULA_CHARACTERS + ' \u00a0"')
_SEPARATOR = re.compile(f"[{re.escape(csvsafe.SEPARATORS)}]")


def cell(value):
    """``neutralise(value)``, faster for the plain text most cells are."""
    if value is None:
        return ""
    text = str(value)
    if not text or (text[0] not in _NOT_PLAIN_START and not _SEPARATOR.search(text)):
        return text
    return neutralise(text)


def rows(signups, include_special):
    """One dict per sign-up of the queryset ``signups``, raw values (not yet
    neutralised), plus the person's site id under ``"site_id"``. The sign-ups are
    read ``CHUNK_ROWS`` at a time, as plain values (no model instances). Labels,
    dates and area names are in the language and time zone active when this is
    called, even when the rows are read later (a streamed response)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    zone = timezone.get_current_timezone()
    labels = {
        "kind": _labels(SignUp.Kind.choices),
        "state": _labels(SignUp.State.choices),
        "source": _labels(SignUp.Source.choices),
        "municipality": _labels(MUNICIPALITY_CHOICES),
        "availability": _labels(AVAILABILITY_CHOICES),
        "community": _labels(COMMUNITY_CHOICES),
    }
    return _rows(signups, include_special, language, zone, labels)


def _rows(signups, include_special, language, zone, labels):
    def local(value):
        # "2024-05-11 19:08"
        return value.astimezone(zone).isoformat(" ", "minutes")[:16] if value else ""

    def label(kind, value):
        return labels[kind].get(value, value) if value else ""

    serbian = serbian_names()
    area_cache = {}
    for s in signups.values(*FIELDS).iterator(chunk_size=CHUNK_ROWS):
        site_id = s["supporter__site_id"]
        if site_id not in area_cache:
            site = Site.objects.get(pk=site_id)
            area_cache[site_id] = MembershipSettings.for_site(site).area_names(language)
        areas = area_cache[site_id]
        row = {
            "site_id": site_id,
            "signup_id": s["pk"],
            "person_id": s["supporter_id"],
            "given_name": s["supporter__given_name"],
            "family_name": s["supporter__family_name"],
            "email": s["supporter__email"] or "",
            "phone": s["supporter__phone"],
            "municipality": label("municipality", s["supporter__municipality"]),
            "municipality_sr": serbian.get(s["supporter__municipality"], ""),
            "country": s["supporter__country"],
            "year_of_birth": s["supporter__year_of_birth"] or "",
            "kind": label("kind", s["kind"]),
            "state": label("state", s["state"]),
            "source": label("source", s["source"]),
            "page": s["page__title"] or "",
            "language": s["language"],
            "created_at": local(s["created_at"]),
            "confirmed_at": local(s["confirmed_at"]),
            "motivation": s["motivation"],
            "areas": ", ".join(areas.get(key, key) for key in s["areas"] or []),
            "skills": s["skills"],
            "availability": ", ".join(
                label("availability", key) for key in s["availability"] or []
            ),
            "languages_spoken": s["languages_spoken"],
        }
        if include_special:
            row["community"] = label("community", s["community"])
        yield row


def csv_chunks(signups, include_special, dialect=None):
    """The CSV of the queryset ``signups`` as UTF-8 pieces of ``CSV_ROWS_PER_PIECE``
    rows (the BOM and the header first), each written when it is asked for. The
    headings and labels are in the language active now (``rows``)."""
    cols = columns(include_special)
    header = [cell(label) for _key, label in cols]
    return _csv_pieces(rows(signups, include_special), [key for key, _ in cols], header, dialect)


def _csv_pieces(found, keys, header, dialect):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read UTF-8 (ë, ç, č)
    writer = csvsafe.writer(buffer, dialect)
    writer.writerow(header)
    for count, row in enumerate(found, start=1):
        writer.writerow([cell(row[key]) for key in keys])
        if count % CSV_ROWS_PER_PIECE == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _counted(found, per_site):
    for row in found:
        per_site[row["site_id"]] += 1
        yield row


def write_csv(signups, include_special, target, dialect=None):
    """Write the CSV of the queryset ``signups`` to the file ``target``, piece by
    piece. Returns the rows written per site id."""
    cols = columns(include_special)
    per_site = Counter()
    found = _counted(rows(signups, include_special), per_site)
    header = [cell(label) for _key, label in cols]
    with open(target, "wb") as out:
        for piece in _csv_pieces(found, [key for key, _ in cols], header, dialect):
            out.write(piece)
    return per_site


def write_xlsx(signups, include_special, target):
    """Write the XLSX of the queryset ``signups`` to ``target`` (a path or a binary
    file), row by row. Every value is a number or a text cell, never a formula (nor
    an error value such as "#N/A"). Returns the rows written per site id."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

    cols = columns(include_special)
    keys = [key for key, _label in cols]
    header = [cell(label) for _key, label in cols]
    workbook = Workbook(write_only=True)
    title = _("Sign-ups")[:25]
    sheet = None
    per_site = Counter()
    for count, row in enumerate(rows(signups, include_special)):
        if count % XLSX_ROWS_PER_SHEET == 0:
            number = count // XLSX_ROWS_PER_SHEET + 1
            sheet = workbook.create_sheet(title if number == 1 else f"{title} ({number})")
            sheet.append(header)
        values = []
        for key in keys:
            value = row[key]
            if isinstance(value, int) and not isinstance(value, bool):
                values.append(value)
                continue
            # control characters are not allowed in XLSX: dropped rather than failing
            text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            if key == "phone":
                # as typed when it is a phone number, else like any other text
                phone = WriteOnlyCell(sheet, text if SAFE_PHONE.match(text) else cell(text))
                phone.data_type = TYPE_STRING
                phone.number_format = "@"
                values.append(phone)
                continue
            text = cell(text)
            if text.startswith("#"):
                # openpyxl would store "#N/A" and the like as an error value
                error_like = WriteOnlyCell(sheet, value=text)
                error_like.data_type = TYPE_STRING
                values.append(error_like)
            else:
                # neutralised text never starts with "=", so openpyxl keeps it as text
                values.append(text)
        sheet.append(values)
        per_site[row["site_id"]] += 1
    if sheet is None:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
    workbook.save(target)
    return per_site


# -- in the background ------------------------------------------------------------


@task(queue_name=EXPORT_QUEUE)
def build_export(job_id):
    """Build the file of an export job (``ExportJob``) that is still waiting."""
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING
    )
    if not claimed:
        return None  # built already, or deleted
    job = ExportJob.objects.get(pk=job_id)
    sites = list(job.sites.all())
    name = f"people-{job.pk}-{secrets.token_hex(8)}.{job.format}"
    try:
        _form, _people, signups = filtered(job.filters, sites, sites)
        with tempfile.TemporaryDirectory(prefix="civic-export-") as folder:
            partial = Path(folder) / name
            with translation.override(job.language or settings.LANGUAGE_CODE):
                if job.format == ExportJob.Format.CSV:
                    dialect = job.filters.get("dialect")
                    per_site = write_csv(signups, job.include_special, partial, dialect)
                else:
                    per_site = write_xlsx(signups, job.include_special, partial)
            with partial.open("rb") as built:
                name = export_storage().save(name, File(built, name=name))
    except Exception:
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED, finished_at=timezone.now()
        )
        raise
    for site in sites:
        AuditEntry.objects.create(
            site=site,
            user=job.user,
            username=job.username,
            action=AuditEntry.Action.EXPORT_LIST,
            detail={
                "format": job.format,
                "rows": per_site.get(site.pk, 0),
                "filters": job.filters,
                "special_category": job.include_special,
                "export": job.pk,
            },
        )
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.DONE,
        rows=sum(per_site.values()),
        file_name=name,
        finished_at=timezone.now(),
    )
    if default_task_backend.supports_defer:
        # gone at the end of its day (membership_purge deletes it otherwise)
        discard_export.using(run_after=job.expires_at).enqueue(job.pk)
    return name


@task(queue_name=EXPORT_QUEUE)
def discard_export(job_id):
    """Delete an export job and its file once its day is over."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is not None and job.is_expired():
        job.discard()


def delete_expired_exports(now=None):
    """Delete the export jobs (and files) older than ``MEMBERSHIP_EXPORT_KEEP``, and
    any file of the export storage no job knows (left by a worker that stopped
    half-way, or by a job deleted otherwise). Returns how many jobs were deleted."""
    now = now or timezone.now()
    cutoff = now - settings.MEMBERSHIP_EXPORT_KEEP
    expired = list(ExportJob.objects.filter(created_at__lte=cutoff))
    for job in expired:
        job.discard()
    storage = export_storage()
    try:
        _folders, names = storage.listdir("")
    except FileNotFoundError:  # a local folder not made yet
        names = []
    known = set(ExportJob.objects.exclude(file_name="").values_list("file_name", flat=True))
    for name in names:
        if name not in known and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
    return len(expired)
