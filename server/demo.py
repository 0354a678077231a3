"""``quiz demo`` — placeholder replaced below once the engine demo exists."""
