"""System checks: configurations that would let readers see pages a change should have purged."""

from django.conf import settings
from django.core import checks
from django.core.cache import caches


@checks.register(checks.Tags.caches)
def page_cache_is_shared(app_configs, **kwargs):
    """Warn when the page cache lives in one process's memory, where other processes' purges cannot reach."""
    if not settings.DRUGREF_PAGE_CACHE:
        return []
    cache = type(caches[settings.DRUGREF_PAGE_CACHE_ALIAS])
    backend = f"{cache.__module__}.{cache.__name__}"
    if backend not in settings.PROCESS_LOCAL_CACHES:
        return []
    return [
        checks.Warning(
            "DRUGREF_PAGE_CACHE is on with a cache in each process's own memory: a change made by another "
            "process (another gunicorn worker, an import from the shell) cannot purge it, so readers may see "
            "old pages.",
            hint="Use a shared cache (CACHE_URL=redis://...), or serve from one process only.",
            id="drugref.W001",
        )
    ]
