"""Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) believed only from the reverse proxy's own
address. Anyone reaching the application server directly could otherwise write any client address into
the audit log and the login throttle."""
import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def trusted_networks(setting) -> list:
    """TRUSTED_PROXY_ADDRESSES as networks: a list, or one string of addresses or CIDR blocks separated by
    commas or spaces (as an environment variable gives it)."""
    entries = setting.replace(",", " ").split() if isinstance(setting, str) else list(setting)
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]


class TrustedProxyFix:
    """ProxyFix for requests whose peer is a trusted proxy; every other request keeps its own address
    and scheme, whatever headers it carries."""

    def __init__(self, app, hops: int, addresses):
        self.app = app
        self.proxied = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = trusted_networks(addresses)

    def _trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.proxied(environ, start_response)
        return self.app(environ, start_response)
