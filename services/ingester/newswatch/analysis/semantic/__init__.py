"""The semantic second opinion: multilingual sentence embeddings and a classifier per theme.

``combine`` documents when the classifier's opinion adds a theme; ``classifier`` the shipped
weights; ``nearest`` the development examples shown as its evidence; ``embed`` the model edge;
``opinion`` the stage that puts them together for a batch of items.
"""
