"""The station folder: its settings (broadcast.toml), confined paths, and bounded reading of YAML and text."""
