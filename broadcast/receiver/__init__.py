"""A loudspeaker cluster's receiver (`broadcast receiver`): paired with its station, it keeps its zone's days and plays them on its own clock."""
