"""Domain events: the bus, the outbox and the unit of work that publishes after commit."""
