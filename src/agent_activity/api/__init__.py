"""The HTTP APIs: one sub-application per API family of the specification."""
