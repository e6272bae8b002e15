"""ACA-Py plumbing every role (issuer, holder, verifier) shares; import each from its module.

config.AgentConfig        how one agent starts: the `aca-py start` argv, its secrets in the environment
process.AgentProcess      the agent as a child process: start, wait until ready, stop, restart
admin.AdminClient         the typed admin API client; every failure becomes a `medcred.errors` error
webhooks.WebhookRouter    the FastAPI receiver of the agent's webhooks: key check, dedup, topic -> handler
events.EventWaiter        await a record's state instead of sleeping
timers.Timers             one timer per key (a flow's deadline), cancelled at shutdown
controller.AgentLink      a controller's admin client + webhook receiver + event waiter, opened together
settings.RoleSettings     the settings every role controller shares (ports, generated secrets)
launcher, acapy_plugin/   what runs inside the agent's own process (ACA-Py's entry point, medcred's plugin)

This file imports nothing: the agent's process imports `agents.launcher` and `agents.acapy_plugin`
through it, and must not pull in the controllers' stack (FastAPI, httpx, indy-vdr, the audit package).
"""
