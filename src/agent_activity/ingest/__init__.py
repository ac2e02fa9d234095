"""Getting activity records in: validation, the batching writer, rollups."""
