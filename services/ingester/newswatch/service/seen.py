"""The ids this process has already handled, so a second poll does not publish them again."""

from collections import OrderedDict


class SeenIds:
    """A bounded set of ids; when full, the id handled longest ago is forgotten first."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, item_id: str) -> None:
        """Remember ``item_id``; refreshes it if it was already known."""
        self._ids[item_id] = None
        self._ids.move_to_end(item_id)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
