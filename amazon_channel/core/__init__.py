"""What every feature of the Amazon channel shares: the channel's names, a store's SP-API client, the communication
log writer, the carrier table, Amazon's reason labels, the typed Amazon address and the one lease helper.

The features (`stores`, `sync`, `push`, `amazon_orders`) depend on this core, on `amazon_channel.models` and on the
`orders` app; the core depends on none of them.
"""
