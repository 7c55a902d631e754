from django.contrib.auth import get_user_model

from fascicolo.identity.loa import SESSION_LOA_KEY, LoA


def login_clerk(client, username="impiegato", superuser=True, permissions=()):
    """A staff session that counts as having passed a second factor (a level-2 strong login)."""
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(username, is_staff=True, is_superuser=superuser)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="payments"))
    client.force_login(user)
    session = client.session
    session[SESSION_LOA_KEY] = int(LoA.L2)
    session.save()
    return user
