"""The notifier contract: one class per channel type (webhook, slack, teams, email, ...).

A channel is configured under ``alerts.channels.<name>`` with ``type:`` naming a notifier
class; the rest of the entry is validated by the class's ``config_model`` (a pydantic model;
secret values are ``SecretStr`` and come from ``${ENV}``). Plugins add types through the
``register_notifiers`` hook, as connectors do through ``register_connectors``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SecretStr

from slabridge.alerts.message import AlertMessage, DeliveryError


class NotifierConfig(BaseModel):
    """Base of every channel's config model; ``type`` selects the notifier class."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str

    def secrets(self) -> list[str]:
        """Every secret value in this entry (to redact from logs, errors and the store)."""
        return [
            value.get_secret_value()
            for value in self.__dict__.values()
            if isinstance(value, SecretStr) and value.get_secret_value()
        ]


class Notifier(ABC):
    """Delivers :class:`AlertMessage` objects to one configured channel.

    Override ``type_name``, ``config_model``, :meth:`send` and :meth:`check`.
    """

    type_name: ClassVar[str]
    config_model: ClassVar[type[NotifierConfig]]

    def __init__(
        self, name: str, config: NotifierConfig, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.name = name
        self.config = config
        self.sleep = sleep

    @abstractmethod
    def send(self, message: AlertMessage) -> None:
        """Deliver one message, or raise :class:`DeliveryError` (its text free of secrets).

        The outbox retries a raised error with backoff and parks the message after its last
        attempt; a notifier does not loop on its own beyond a request's own retry of a 429.
        """

    @abstractmethod
    def check(self) -> list[str]:
        """Problems with the channel found WITHOUT sending anything (``slabridge check``)."""

    def describe(self) -> dict[str, Any]:
        """What ``alerts test`` and ``check`` may show: never a secret (URL paths included)."""
        return {"name": self.name, "type": self.type_name}


__all__ = ["DeliveryError", "Notifier", "NotifierConfig"]
