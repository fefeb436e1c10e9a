"""The Lambda runtime as a custom resource sees it: :mod:`.runner` starts the function's code in a process
of its own, which runs :mod:`.bootstrap`.
"""
