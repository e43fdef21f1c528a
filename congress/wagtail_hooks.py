from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .demo import load_demo
from .panels import home_page_panel
from .permissions import site_role_permissions
from .views import CongressViewSetGroup

register_snippet(CongressViewSetGroup)

hooks.register("home_page_panels", home_page_panel)
hooks.register("site_role_permissions", site_role_permissions)
hooks.register("demo_content", load_demo, order=50)
