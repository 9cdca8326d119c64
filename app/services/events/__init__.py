"""Events: creating and changing them, their local clock, and the demo event."""
