"""Spatial statistics: significant hotspots (Gi* on H3 cells) and same-spot incident groups."""
