"""The web app's Jinja2 templates and static files (served by ``tenku.api.pages``)."""
