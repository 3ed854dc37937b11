"""earlyhelp.risk"""
