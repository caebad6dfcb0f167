"""The request dependencies every domain's endpoints use (session, settings, Redis, principal, permission gates)."""
