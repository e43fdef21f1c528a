# TRANSITION-SHIM: removed once no app uses these names.
from wagtail.models import PageViewRestriction


def is_restricted(page_path, restricted=None):
    paths = PageViewRestriction.objects.values_list("page__path", flat=True)
    return any(page_path.startswith(path) for path in paths)
