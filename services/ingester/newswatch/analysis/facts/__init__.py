"""Facts: figures, actors and places found in an item's text (gazetteer in defaults/)."""
