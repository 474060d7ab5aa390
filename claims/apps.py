from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims, figures and flags"

    def ready(self) -> None:
        from claims import signals

        signals.connect()
