"""Routing: departments, their service areas, and which department gets a report."""
