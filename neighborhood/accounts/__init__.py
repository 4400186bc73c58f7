"""Accounts: users, roles, password login, API tokens and the permission rules."""
