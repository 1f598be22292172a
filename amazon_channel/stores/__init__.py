"""Amazon stores (Seller Central accounts): their settings, *Test connection*, *Sync now*, *Recover order* and the
communication log."""
