"""The ``connect-email-alias`` console script: operators' commands over the function's own contract and
lifecycle (README, "Operate"). ``pip install 'connect-email-alias[cli]'`` installs it."""
