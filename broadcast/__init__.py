"""broadcast: the commune loudspeaker station, from Vietnamese script to speaker."""

__version__ = "0.1.0"
