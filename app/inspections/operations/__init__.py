"""The inspection domain's verbs, one module per idea (docs/adding-a-domain.md step 5): inspection.py (the
inspection itself: create, over-cap approval, scheme, on site, record), and each area's own module."""
