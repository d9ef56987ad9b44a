"""The HTTP face of the App: webhooks, health checks (and, later, the API and dashboard)."""
