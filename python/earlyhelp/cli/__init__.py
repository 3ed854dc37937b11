"""earlyhelp.cli"""
