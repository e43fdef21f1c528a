# This folder is imported as ``config``, not ``site``: ``site`` is a standard-library
# module that Python imports at start-up, so a package of that name could never be
# imported. pyproject.toml maps the import name ``config`` to this folder.
