"""buzzers package."""
