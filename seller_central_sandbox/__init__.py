"""A local stand-in for Amazon's Selling Partner API and Login with Amazon. Reached only over HTTP."""
