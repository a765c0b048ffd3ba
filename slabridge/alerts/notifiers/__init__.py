"""Notifier channels: the base class; built-ins and plugins register through a hook."""
