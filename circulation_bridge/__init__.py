"""circulation_bridge package."""
