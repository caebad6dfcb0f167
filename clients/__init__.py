"""API clients: the open API for mobile apps and upstream platforms (R-01, R-03), webhooks."""
