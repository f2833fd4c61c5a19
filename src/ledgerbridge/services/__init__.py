"""The application's services, one job each; :class:`ledgerbridge.service.Ledgerbridge` composes them.

- ``common``: the errors users see, the integration-name rule, config files, validation problems
- ``base``: the shared state (config, store, credential box) and an integration's row by name
- ``connections``: connection documents validated and prepared for sealing; the address rules
- ``integrations``: add, update, describe, list and delete integrations; open one into its kind
- ``runs``: the start-up sync (once unless forced), one record again, registers, the list of runs
- ``errors``: the error log and conflicts
- ``history``: transfers and one document's history
- ``health``: health at a glance, connection states, whether a start-up sync would be refused
- ``notifications``: notifications, and the ones about sides to reconnect
- ``security``: the admin password, API tokens, console sessions, the cookie-signing secret
- ``maintenance``: retention, pruning, key rotation
"""
