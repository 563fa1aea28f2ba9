"""The site's views, one blueprint per area, over archive/ (see app.create_app)."""
