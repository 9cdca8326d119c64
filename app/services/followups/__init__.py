"""Follow-ups: the answers after each meeting, paper forms keyed in, and how they come in."""
