"""Every write of the Amazon channel, one verb a function. Reads live in amazon_channel.selectors."""
