"""earlyhelp.synthetic"""
