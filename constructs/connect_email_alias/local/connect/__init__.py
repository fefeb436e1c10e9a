"""The Connect emulator, in moto's roles: :mod:`.models` (state and rules), :mod:`.responses` (one
handler per operation), :mod:`.urls` (the route table), :mod:`.exceptions`; Connect's real conditions
(:mod:`.quota`, :mod:`.lag`, :mod:`.iam`, :mod:`.faults`) on one :mod:`.clock`; :mod:`.gateway` and
:mod:`.wire` put them in front of the operations, :mod:`.emulator` serves it all over HTTP.
"""
