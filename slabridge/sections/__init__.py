"""Config sections that more than one package reads: ``goals:``, ``credits:`` and their scope.

The config validates them, the report computes with them and alert rules share the scope, so
they sit below all three (the package order is sla < connectors < config < plugins < sync <
report < commands): the report and the alerts import them from here, never the other way round.
"""
