"""The Amazon channel's fixture kit, shared by every feature's tests: one store factory (`factories`), one fake
SP-API (`fake_amazon`), and Amazon orders built the way Amazon sends them and stored through the real importer
(`amazon_orders`). The pytest fixtures on top of them are in amazon_channel/conftest.py."""
