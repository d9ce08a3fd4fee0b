"""Image operations shared by modes and backbones (hole filling)."""
