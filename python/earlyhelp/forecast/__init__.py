"""earlyhelp.forecast"""
