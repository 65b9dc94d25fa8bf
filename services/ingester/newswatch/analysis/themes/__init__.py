"""Themes: the rules file's model, compiled to one keyword automaton, decided and explained."""
