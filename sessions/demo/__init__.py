"""Demo-data steps of the treatment domain, one module per area (registered on import)."""
