"""The settings layer: the policy's schema, one module per section, and its file I/O.

Stages import their settings from here; nothing here imports a stage, so the policy can
be read, checked and edited (by the CLI, the web app) without loading the engine.
"""
