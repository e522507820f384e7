"""The web app's services: plain Python over run folders and the workspace, no web framework.

Each function takes the ``Viewer`` (who asks) and enforces what that person may see or do,
so the pages, the JSON API and any later interface get the same permissions.
"""
