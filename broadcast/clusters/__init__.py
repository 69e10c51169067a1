"""The station's side of its loudspeaker clusters: pairing, their keys, the days and pushes served to them, what they report."""
