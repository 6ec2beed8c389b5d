"""scikit-learn's digits (shipped offline with scikit-learn) as the MLP tests use them."""
import numpy as np
from sklearn.datasets import load_digits  # make test installs scikit-learn


def digits_split():
    """The images scaled to [0, 1] as float32, the labels, and a fixed 1437/360 train/test split."""
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(X))
    return X, y, order[:1437], order[1437:]
