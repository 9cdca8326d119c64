"""Attendees: editing them one at a time, importing them, their requests, agenda and check-in."""
