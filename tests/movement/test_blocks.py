"""Every block of the movement app renders, and the calls to action find the
organisation's join and volunteer pages."""

import pytest
from django.test import RequestFactory
from wagtail.blocks import StreamValue

from home.blocks import BaseStreamBlock
from movement.blocks import (
    JOIN,
    VOLUNTEER,
    AimBlock,
    ClosingActionsBlock,
    MembershipActionBlock,
    MovementStreamBlock,
)
from movement.models import MovementPage

pytestmark = pytest.mark.django_db

FORM_TEXTS = {"consent_text": "Pajtohem.", "thank_you": "Faleminderit."}
MOVEMENT_BLOCKS = ["mission", "vision", "values", "work_areas", "closing_actions"]


def test_every_block_has_description_group_and_preview():
    stream = MovementStreamBlock()
    for name in MOVEMENT_BLOCKS:
        block = stream.child_blocks[name]
        assert block.meta.description, name
        assert block.meta.group, name
        assert block.meta.preview_value, name
    assert set(BaseStreamBlock().child_blocks) < set(stream.child_blocks)
    assert AimBlock().meta.preview_value


@pytest.mark.parametrize("name", MOVEMENT_BLOCKS)
def test_block_renders_its_preview_value(name):
    block = MovementStreamBlock().child_blocks[name]
    value = block.to_python(block.meta.preview_value)
    html = block.render(value, context={"request": None, "page": None})
    assert block.meta.preview_value["heading"] in html
    assert "<section" in html


def test_aim_block_renders():
    block = AimBlock()
    html = block.render(block.to_python({"title": "Pjesëmarrje", "text": "Çdo votë"}))
    assert "<li" in html and "Pjesëmarrje" in html and "Çdo votë" in html


def _about_page(org, body):
    page, page_en = org.add_page(
        MovementPage(title="Rreth nesh", slug="rreth-nesh", body=body),
        en_fields={"title": "About us", "slug": "about-us"},
    )
    return page, page_en


def test_movement_page_renders_every_section(client, org):
    stream = MovementStreamBlock()
    body = [
        (name, stream.child_blocks[name].to_python(stream.child_blocks[name].meta.preview_value))
        for name in MOVEMENT_BLOCKS
    ]
    page, page_en = _about_page(org, StreamValue(stream, body))
    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("Misioni ynë", "Vizioni ynë", "Vlerat tona", "Çfarë bëjmë"):
        assert heading in html
    assert "Angazhim qytetar" in html and "Fushata sensibilizimi" in html
    assert client.get(page_en.url).status_code == 200


def test_closing_actions_link_the_organisations_join_and_volunteer_pages(client, org):
    from membership.models import JoinPage, VolunteerPage

    join, join_en = org.add_page(
        JoinPage(title="Bëhu anëtar", slug="behu-anetar", **FORM_TEXTS),
        en_fields={"title": "Join", "slug": "join"},
    )
    volunteer, _ = org.add_page(
        VolunteerPage(title="Vullnetarizo", slug="vullnetarizo", **FORM_TEXTS)
    )
    stream = MovementStreamBlock()
    block = stream.child_blocks["closing_actions"]
    value = block.to_python(
        {
            "heading": "Bashkohu",
            "text": "",
            "actions": [
                {"kind": JOIN, "text": "Bëhu anëtar", "description": ""},
                {"kind": VOLUNTEER, "text": "Vullnetarizo", "description": "Jep kohën tënde."},
            ],
        }
    )
    page, page_en = _about_page(org, StreamValue(stream, [("closing_actions", value)]))
    html = client.get(page.url).content.decode()
    assert f'href="{join.url}"' in html
    assert f'href="{volunteer.url}"' in html
    assert "Jep kohën tënde." in html
    # The English page links the English join page; the volunteer page has no
    # English version, so that button is left out rather than crossing languages.
    html_en = client.get(page_en.url).content.decode()
    assert f'href="{join_en.url}"' in html_en
    assert f'href="{volunteer.url}"' not in html_en


def test_membership_action_prefers_a_chosen_page(org, standard_page):
    chosen, _ = standard_page
    block = MembershipActionBlock()
    value = block.to_python({"kind": JOIN, "text": "Lexo", "description": "", "page": chosen.pk})
    request = RequestFactory().get("/", HTTP_HOST=org.hostname)
    html = block.render(value, context={"request": request, "page": org.home_sq})
    assert f'href="{chosen.url}"' in html


def test_closing_block_without_any_target_renders_no_dead_link(org):
    block = ClosingActionsBlock()
    value = block.to_python(block.meta.preview_value)
    request = RequestFactory().get("/", HTTP_HOST=org.hostname)
    html = block.render(value, context={"request": request, "page": org.home_sq})
    assert "Bashkohu me ne" in html
    assert "href" not in html
