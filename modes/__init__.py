"""The toolkit's own modes; each registers under the `toolkit.modes` entry-point group."""
