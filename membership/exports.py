"""CSV and XLSX exports of sign-ups, safe to open in a spreadsheet.

Every text cell goes through ``home.csvsafe.neutralise``: wherever a cell could
begin under any separator (comma, semicolon, tab, ``|``, a line break) and a formula
character follows, an apostrophe makes spreadsheets read it as text. The CSV comes
with a comma or, for spreadsheets whose list separator is ``;`` (Albanian and most
European locales), a semicolon (``dialect="semicolon"``), always with a UTF-8 BOM.
Phone numbers (validated to digits, spaces and ``+()-./``) are written as text
cells in XLSX, so "+383 44 123 456" stays exactly as typed.
"""

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from home import csvsafe
from home.csvsafe import neutralise

from .records import MembershipSettings

SAFE_PHONE = re.compile(r"^\+?[0-9 ()./-]*$")


def columns(include_special):
    cols = [
        ("signup_id", _("Sign-up id")),
        ("person_id", _("Person id")),
        ("given_name", _("Given name")),
        ("family_name", _("Family name")),
        ("email", _("Email")),
        ("phone", _("Phone")),
        ("municipality", _("Municipality")),
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


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def rows(signups, include_special):
    """One dict per sign-up, raw values (not yet neutralised)."""
    area_cache = {}
    for signup in signups:
        person = signup.supporter
        site_id = person.site_id
        if site_id not in area_cache:
            area_cache[site_id] = MembershipSettings.for_site(person.site).area_names()
        areas = area_cache[site_id]
        row = {
            "signup_id": signup.pk,
            "person_id": person.pk,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email or "",
            "phone": person.phone,
            "municipality": person.get_municipality_display() if person.municipality else "",
            "country": person.country,
            "year_of_birth": person.year_of_birth or "",
            "kind": signup.get_kind_display(),
            "state": signup.get_state_display(),
            "source": signup.get_source_display(),
            "page": signup.page.title if signup.page_id and signup.page else "",
            "language": signup.language,
            "created_at": _local(signup.created_at),
            "confirmed_at": _local(signup.confirmed_at),
            "motivation": signup.motivation,
            "areas": ", ".join(areas.get(key, key) for key in signup.areas or []),
            "skills": signup.skills,
            "availability": ", ".join(signup.availability_names()),
            "languages_spoken": signup.languages_spoken,
        }
        if include_special:
            row["community"] = signup.get_community_display() if signup.community else ""
        yield row


def to_csv(signups, include_special, dialect=None):
    cols = columns(include_special)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read UTF-8 (ë, ç, č)
    writer = csvsafe.writer(buffer, dialect)
    writer.writerow([neutralise(label) for _key, label in cols])
    for row in rows(signups, include_special):
        writer.writerow([neutralise(row[key]) for key, _label in cols])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(signups, include_special):
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    cols = columns(include_special)
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Sign-ups")[:31]
    sheet.append([neutralise(label) for _key, label in cols])
    for index, row in enumerate(rows(signups, include_special), start=2):
        for col_index, (key, _label) in enumerate(cols, start=1):
            value = row[key]
            cell = sheet.cell(row=index, column=col_index)
            if isinstance(value, int) and not isinstance(value, bool):
                cell.value = value
                continue
            text = str(value)
            if key == "phone" and SAFE_PHONE.match(text):
                cell.value = text
            else:
                cell.value = neutralise(text)
            # Always a text cell: openpyxl would store "=..." as a formula otherwise.
            cell.data_type = TYPE_STRING
            if key == "phone":
                cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
