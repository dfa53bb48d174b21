"""Containing the code under test: the OS sandbox around every environment, and the process trees it holds."""
