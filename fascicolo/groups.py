"""The clerks' groups and their permissions, kept in step with the models after every migrate.

A group's permissions are given per app label and action, so a model added later to an app is
covered without touching this file; an app that appears later gets a line here. Where only some of
an app's models concern a group, the key is ``app_label.model`` instead.
"""

from django.db.models.signals import post_migrate
from django.dispatch import receiver

REGISTRY_OFFICE = "Ufficio anagrafe"
REVENUE_OFFICE = "Ufficio tributi"
SUPERVISOR = "Supervisore"

GROUP_PERMISSIONS = {
    # The registry office keeps the register: it records, corrects and reads people and households.
    # Registry records are never deleted; a death or an emigration is an event.
    # It also answers residents: messages, and the correction requests they file from the dossier.
    REGISTRY_OFFICE: {
        "registry": ("add", "change", "view"),
        "certificates": ("add", "change", "view"),
        "dossier.message": ("add", "change", "view"),
        "dossier.rectificationrequest": ("change", "view"),
    },
    # The revenue office runs debt positions, payments and reconciliation.
    REVENUE_OFFICE: {"payments": ("add", "change", "view")},
    # Supervisors read everything, including the audit trail, and change nothing. Residents' app
    # tokens and sign-in accounts are theirs alone.
    SUPERVISOR: {
        "registry": ("view",),
        "certificates": ("view",),
        "payments": ("view",),
        "audit": ("view",),
        "admin": ("view",),
        "dossier.message": ("view",),
        "dossier.rectificationrequest": ("view",),
        "identity.loginevent": ("view",),
    },
}


def sync_groups():
    from django.contrib.auth.models import Group, Permission

    for group_name, grants in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        app_labels = {key.split(".")[0] for key in grants}
        wanted = [
            permission
            for permission in Permission.objects.filter(content_type__app_label__in=app_labels).select_related(
                "content_type"
            )
            if permission.codename.split("_", 1)[0] in _actions_granted(grants, permission.content_type)
        ]
        group.permissions.set(wanted)


def _actions_granted(grants, content_type):
    return (
        *grants.get(content_type.app_label, ()),
        *grants.get(f"{content_type.app_label}.{content_type.model}", ()),
    )


@receiver(post_migrate)
def _sync_groups_after_migrate(sender, **kwargs):
    # post_migrate fires once per app that has a models module, in INSTALLED_APPS order, and each
    # app's permissions are created by its own signal: only the last such app's signal sees them
    # all. (Apps without models, such as drf_spectacular, never send it.)
    from django.apps import apps

    apps_with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.label == apps_with_models[-1].label:
        sync_groups()
