"""The Qt interface: pages, dialogs, item models and widgets (never the database)."""
