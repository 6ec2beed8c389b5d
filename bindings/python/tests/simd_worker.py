"""Run by test_simd_levels.py under GDOPT_SIMD=<level>: steps every optimizer and runs every
tape op, and prints the level in use and a digest of every resulting bit."""
import hashlib

import numpy as np

import gdopt

digest = hashlib.sha256()


def add(array) -> None:
    """Every bit, except a NaN's sign and payload: x86 keeps the first operand's NaN in a + b,
    and the compiler may order a commutative operation's operands differently per level."""
    array = np.asarray(array)
    digest.update(np.where(np.isnan(array), np.nan, array).astype(array.dtype).tobytes())


rng = np.random.default_rng(5)
CASES = [("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
         ("sgd", {"momentum": 0.5, "dampening": 0.2, "maximize": True}), ("adagrad", {"lr_decay": 0.01}),
         ("rmsprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.1}), ("rmsprop", {}),
         ("adam", {}), ("adam", {"amsgrad": True, "weight_decay": 0.1}), ("adamw", {"max_grad_norm": 0.5}),
         ("lion", {"weight_decay": 0.1}), ("adamax", {"weight_decay": 0.1}),
         ("adadelta", {"weight_decay": 0.1}), ("rprop", {"maximize": True}),
         ("nadam", {"weight_decay": 0.1}), ("radam", {"decoupled_weight_decay": True, "weight_decay": 0.1}),
         ("asgd", {"t0": 3, "weight_decay": 0.1}),
         ("adafactor", {"weight_decay": 0.1})]
CLASSES = {"sgd": gdopt.SGD, "adagrad": gdopt.Adagrad, "rmsprop": gdopt.RMSprop, "adam": gdopt.Adam,
           "adamw": gdopt.AdamW, "lion": gdopt.Lion, "adamax": gdopt.Adamax,
           "adadelta": gdopt.Adadelta, "rprop": gdopt.Rprop, "nadam": gdopt.NAdam,
           "radam": gdopt.RAdam, "asgd": gdopt.ASGD,
           "adafactor": gdopt.Adafactor}
for dtype in (np.float32, np.float64):
    for kind, options in CASES:
        for n in (1003, 70001):  # a remainder after every vector width; several threads' parts
            p = rng.standard_normal(n).astype(dtype)
            opt = CLASSES[kind]([p], **options)
            for _ in range(4):
                opt.step([(rng.standard_normal(n) * rng.choice([1e-3, 1, 1e3], n)).astype(dtype)])
            add(p)
            for entry in opt.state_dict()["state"].values():
                for name, value in entry.items():
                    if isinstance(value, np.ndarray):
                        add(value)

    # Every tape op, with edge values in the inputs, through recording and replay.
    tape = gdopt.Tape(dtype)
    data = rng.standard_normal((37, 19)).astype(dtype) * 4
    data[0, :6] = [np.nan, np.inf, -np.inf, 0.0, 100.0, -120.0]
    x = tape.variable(data)
    positive = tape.variable(np.abs(data) + 0.5)
    row = tape.variable(rng.standard_normal(19).astype(dtype))
    column = tape.variable(rng.standard_normal((37, 1)).astype(dtype))
    parts = [x.exp(), positive.log(), x.tanh(), x.sigmoid(), x.relu(), x.square(), positive.sqrt(), x.abs(), -x,
             x + row, x - column, x * row, positive / column, x.T.T, x @ x.T.relu() @ x]
    total = sum(((part * 0.1).tanh()).sum() for part in parts) + x.mean() + (x / positive).sum()
    labels = rng.integers(0, 19, 37)
    loss = gdopt.softmax_cross_entropy(x * 0.1, labels) + gdopt.multiclass_hinge(x * 0.1, labels) + total * 1e-3
    loss.backward()
    for node in (x, positive, row, column, loss, *parts):
        add(node.value)
    for node in (x, positive, row, column):
        add(node.grad)
    grads = [np.empty_like(node.value) for node in (x, row)]
    value = tape.replay(loss, {positive: np.abs(data) + 1.5}, grads={x: grads[0], row: grads[1]},
                        labels={})
    add(value)
    for g in grads:
        add(g)

print(gdopt.build_info().split("gdopt kernels: ")[1].split(",")[0].split(";")[0])
print(digest.hexdigest())
