"""The live board for the room, under /board/<token>: the projector and the organiser's phone."""
