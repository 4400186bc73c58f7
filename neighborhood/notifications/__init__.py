"""Notifications: receivers write an outbox in the request's transaction; senders drain it."""
