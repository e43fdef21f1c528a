from wagtail import hooks

from . import translations, translations_tree
from .cache import mark_page_cacheable

hooks.register("before_serve_page", mark_page_cacheable)

# Deleting or unpublishing a source page does the same to its translations, and says
# so first (home/translations_tree.py).
hooks.register("construct_translated_pages_to_cascade_actions", translations_tree.cascade_deletion)
hooks.register("before_delete_page", translations_tree.warn_about_translations)
hooks.register("before_unpublish_page", translations_tree.refuse_unpublish_without_translations)
hooks.register("before_bulk_action", translations_tree.refuse_bulk_without_translations)

# A translation goes live only once every text is translated: checked before
# wagtail-localize's translation editor publishes it (home/translations.py).
hooks.register("before_edit_page", translations.refuse_unfinished_publish, order=-1)
hooks.register("before_edit_snippet", translations.refuse_unfinished_publish, order=-1)

# Translations that lack their source's current text: a report, and notices on the
# edit screens of sources and translations, shown before wagtail-localize's editor
# takes over a translation's screen (home/drift.py, home/drift_admin.py).
from . import drift_admin  # noqa: E402

hooks.register("register_admin_urls", drift_admin.admin_urls)
hooks.register("register_reports_menu_item", drift_admin.menu_item)
hooks.register("before_edit_page", drift_admin.drift_notice, order=-1)
hooks.register("before_edit_snippet", drift_admin.drift_notice, order=-1)
