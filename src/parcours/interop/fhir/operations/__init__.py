"""One module per FHIR interaction; each takes a Context and plain JSON, returns JSON."""
