"""ScratchNN: a two-layer neural network for MNIST, from scratch in NumPy.

Read it in this order; each module is one idea and reads top to bottom:

1. ``network``     the math, one README equation a line: init, ReLU, softmax, forward, loss, backward
2. ``training``    gradient descent over (mini-)batches with momentum; the one epoch loop
3. ``gradcheck``   backprop's slope for one weight beside the slope measured by nudging it
4. ``fast``        the same forward and backward made fast (what training runs), tested equal
5. ``config``      TrainConfig and the named presets (seed: the original; tiny; default; best)
6. ``augment``     random warps, elastic distortions and stroke thickness for a batch
7. ``preprocess``  a drawing on the page's canvas -> the 28x28 input, the way MNIST was made
8. ``mnist``       the data: IDX files, checksums, download-and-verify, the original's split
9. ``weights``     the weights file: a versioned, validated JSON document, and its metadata
10. ``files``      writing output files safely (atomic, never over a folder or a device)
11. ``plots``      PNG plots of a run (matplotlib)

``browser/`` is the Python the web page's worker calls (in Pyodide); no module above imports it.
"""

__version__ = "0.2.0"
