"""Amazon orders as staff see them: *All Orders*, *Amazon Order Details* (shipping address, cancel with a reason while
Unshipped) and what the channel shows on the Commerce order (*Payment & Shipping Method*, notices)."""
