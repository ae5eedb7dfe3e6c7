"""Hosts: the machines (or folder trees) sources read through."""
