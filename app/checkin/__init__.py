"""Check-in at the door: the staff blueprint."""
