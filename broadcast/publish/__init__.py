"""Publishing a day: the folder in audio_out/ swapped in atomically, its freshness stamp, readiness, and exports."""
