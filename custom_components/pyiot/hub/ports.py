"""Whether a server of PyIoT (an RPyMostat engine, a Pyaiot WebSocket gateway) could listen on a port."""

import socket

from homeassistant.core import HomeAssistant


def _tcp_port_bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


async def async_port_available(hass: HomeAssistant, port: int) -> bool:
    """Whether TCP `port` can be listened on (bound in the executor, then closed at once)."""
    return await hass.async_add_executor_job(_tcp_port_bindable, port)
