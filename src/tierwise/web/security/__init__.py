"""Security of the web app: response headers, sessions, CSRF, login throttling."""
