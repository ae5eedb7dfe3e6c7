"""Finding and loading plugins: the groups, the index of entry points, the registry."""
