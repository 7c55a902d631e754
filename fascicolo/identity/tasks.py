from celery import shared_task

from . import services


@shared_task(name="identity.refresh_trust_chains", ignore_result=True)
def refresh_trust_chains():
    """Resolve again the OpenID Federation trust chains that are near their expiry (beat, every 10
    minutes; safe to run twice: a fresh chain is answered from the cache)."""
    return services.refresh_trust_chains()
