"""The WSGI application (gunicorn, runserver).

With DEBUG off the pages name their static files through WhiteNoise's manifest
(STATIC_ROOT/staticfiles.json, written by collectstatic); without it, or with a
manifest that misses files, the first page would be a 500. So the process
refuses to start instead, saying what to run.
"""

import os
from pathlib import PurePath

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
application = get_wsgi_application()


def check_static_manifest() -> None:
    """Raise ImproperlyConfigured unless every static file is in the manifest."""
    from django.apps import apps
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return  # DEBUG on (or a storage without a manifest): files are served as found
    location = storage.manifest_storage.path(storage.manifest_name)
    if storage.read_manifest() is None:
        raise ImproperlyConfigured(
            f"The static files manifest {location} is missing: run `manage.py collectstatic` "
            "(with the same STATIC_ROOT) before starting with DEBUG off."
        )
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    found = {
        PurePath(name).as_posix()
        for finder in finders.get_finders()
        for name, _ in finder.list(ignore)
    }
    missing = sorted(found - set(storage.hashed_files))
    if missing:
        raise ImproperlyConfigured(
            f"The static files manifest {location} lacks {len(missing)} of the static files "
            f"(such as {missing[0]}): run `manage.py collectstatic` again."
        )


check_static_manifest()
