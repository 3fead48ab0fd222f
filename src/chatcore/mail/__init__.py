"""Mail: the emails the domain sends, and the outbox that delivers them."""
