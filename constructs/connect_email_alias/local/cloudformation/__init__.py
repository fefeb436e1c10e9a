"""The CloudFormation player: :mod:`.template` (loading and intrinsics), :mod:`.assembly` (a ``cdk.out``
or a template file), :mod:`.player` (stack operations, event by event), :mod:`.email_addresses` (the
``AWS::Connect::EmailAddress`` resources CloudFormation plays itself), :mod:`.receiver` (the HTTPS response
URL) and :mod:`.report` (what a play reports).
"""
