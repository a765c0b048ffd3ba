"""``slabridge serve``: signed webhooks sync a ticket within seconds; a live SLA board at ``/``."""
