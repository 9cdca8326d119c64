"""Pages for organisers: login, events, attendees and their import."""
