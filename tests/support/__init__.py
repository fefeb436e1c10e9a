"""What every test kind shares: the seed's IDs, the resource's properties, the call log's vocabulary,
CloudFormation's answer rules, the example app's synthesis, and one stack test bed (with its fixtures)
for the end-to-end and reliability tests."""
