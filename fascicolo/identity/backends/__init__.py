"""Identity backends: each one starts a strong login and turns the provider's answer into a
``VerifiedIdentity``. Callers go through ``registry`` (or ``fascicolo.identity.services``), never a
concrete class."""
