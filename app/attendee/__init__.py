"""The attendee's pages: a personal agenda reached by a secret link, no account."""
