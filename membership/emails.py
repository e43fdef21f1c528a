"""An email address as the key of a person: one mailbox, one key.

Mail is delivered to the domain's ASCII (IDNA) form, so ``arta@ｅｘａｍｐｌｅ.org``
(full-width), ``arta@exämple.org`` with a composed or a decomposed ``ä``, and
``ARTA@EXÄMPLE.ORG`` all reach the same mailbox and must be one person.

- Domain: UTS #46 mapping (the one browsers and mail software apply: width, case
  and compatibility forms folded) and IDNA 2008 (the ``idna`` package), written as
  its ASCII A-label form in lower case. Non-transitional processing keeps ``ß`` and
  ``ς`` (``straße.de`` and ``strasse.de`` are different domains today); Python's
  own "idna" codec is IDNA 2003, which would fold them together. An ASCII domain is
  only lower-cased: DNS compares ASCII names without case.
- Local part: NFKC and Unicode case folding. Mail servers may in theory tell
  ``Arta`` from ``arta``; none that people use do, and treating them as one person
  is what prevents one mailbox from signing twice.

The key is what is stored in ``Supporter.email`` and where the confirmation email
goes, so the address that is checked is the address that is used. Provider-specific
rules (dots and ``+tags`` at Gmail) are left alone: they are not the standard and
would merge different people elsewhere.
"""

import unicodedata

import idna
from django import forms
from django.utils.translation import gettext_lazy as _


class InvalidEmail(ValueError):
    """An address whose domain has no IDNA form: mail cannot be delivered to it."""


def normalise_email(value):
    """The key of an address (see the module's text); "" for an empty value.

    Raises ``InvalidEmail`` when the domain cannot be written in IDNA. Text without
    an ``@`` is returned folded, for the email validator to refuse."""
    value = unicodedata.normalize("NFKC", (value or "").strip())
    if "@" not in value:
        return value.casefold()
    local, domain = value.rsplit("@", 1)
    local = unicodedata.normalize("NFKC", local.casefold())
    if domain.endswith("."):
        domain = domain[:-1]  # the root of DNS: the same domain
    try:
        if domain.isascii():
            domain = domain.lower()
            if any(label.startswith("xn--") for label in domain.split(".")):
                # An A-label as a browser sends it (``x@☃.com`` arrives as
                # ``x@xn--n3h.com``): it must stand for a valid IDNA 2008 name.
                idna.decode(domain)
        else:
            domain = idna.encode(domain, uts46=True, std3_rules=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise InvalidEmail(str(error)) from error
    return f"{local}@{domain}"


def search_term(term):
    """A search text as it appears in stored keys: an address like an address, other
    text like a domain (``exämple.org`` finds ``xn--exmple-cua.org``), and what has
    no IDNA form only folded."""
    text = unicodedata.normalize("NFKC", term.strip())
    try:
        if "@" in text:
            return normalise_email(text)
        return normalise_email("@" + text)[1:]
    except InvalidEmail:
        return text.casefold()


class EmailAddressField(forms.EmailField):
    """An email field whose value is the person's key (``normalise_email``); the
    validator checks the address that will be used."""

    default_error_messages = {
        "domain": _("Mail cannot be delivered to this address: check the part after the @."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return normalise_email(value)
        except InvalidEmail:
            raise forms.ValidationError(self.error_messages["domain"], code="domain") from None
