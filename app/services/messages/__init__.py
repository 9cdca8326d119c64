"""Messages: the e-mail outbox and the links sent to attendees and sponsor contacts."""
