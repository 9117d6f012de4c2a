"""Bundled empirical datasets (structural connectomes, fibre lengths, resting-state BOLD), numpy only."""

from ._dataset import Dataset as Dataset
from ._dataset import available_datasets as available_datasets
