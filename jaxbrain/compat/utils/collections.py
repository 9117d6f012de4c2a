"""neurolib's ``neurolib.utils.collections``: dict helpers."""


class dotdict(dict):
    """A dict whose keys are also attributes (neurolib's ``dotdict``); missing attributes are None."""

    def __getattr__(self, name):
        return self.get(name)

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]


class star_dotdict(dotdict):  # noqa: N801 -- neurolib's name
    """neurolib's ``star_dotdict`` (the parameter dict of MultiModel); here, for now, a :class:`dotdict`."""
