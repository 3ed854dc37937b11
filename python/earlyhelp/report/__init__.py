"""earlyhelp.report"""
