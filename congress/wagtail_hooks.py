from wagtail import hooks
from wagtail.snippets.models import register_snippet

from . import question_admin, registration_admin, registration_flow
from .demo import load_demo
from .panels import home_page_panel
from .permissions import site_role_permissions
from .views import CongressViewSetGroup

register_snippet(CongressViewSetGroup)

hooks.register("home_page_panels", home_page_panel)
hooks.register("site_role_permissions", site_role_permissions)
hooks.register("demo_content", load_demo, order=50)
hooks.register("membership_signups_confirmed", registration_flow.signups_confirmed)
hooks.register("membership_signups_withdrawn", registration_flow.signups_withdrawn)
hooks.register("membership_supporter_erased", registration_flow.supporter_erased)
hooks.register("membership_person_export", registration_flow.person_export)

hooks.register("register_admin_urls", registration_admin.admin_urls)
hooks.register("register_admin_menu_item", registration_admin.menu_item)
hooks.register("register_admin_urls", question_admin.admin_urls)
hooks.register("register_admin_menu_item", question_admin.menu_item)
