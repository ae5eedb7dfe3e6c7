"""The engine: definition files run block by block (interpreter, directives, block, checks)."""
