"""Wire protocols of the systems PyIoT speaks to: pure asyncio, no Home Assistant imports."""
