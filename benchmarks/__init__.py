"""Side-by-side benchmarks: ``python -m benchmarks [NAME ...] [--quick]``.

Each benchmark ends with one line ``NAME: ratio=R target=T``; ``R`` is the other tool's time over ours (bigger is
better), ``T`` the target it is held to.
"""
