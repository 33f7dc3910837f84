"""ScratchNN: a two-layer neural network for MNIST, from scratch in NumPy."""

__version__ = "0.1.0"
