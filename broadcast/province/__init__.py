"""Province: every commune's day built on one Dask cluster, shared speech synthesized once, days delivered."""
