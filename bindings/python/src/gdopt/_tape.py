"""Reverse-mode autodiff on the library's tape, with Python operators.

    tape = gdopt.Tape()
    w = tape.variable(w_array)
    x = tape.constant(batch)
    loss = gdopt.softmax_cross_entropy(x @ w + b, labels)
    loss.backward()
    w.grad            # a numpy array of w's shape

A training loop records the graph once and replays it each step, one call into the library
for the forward and backward passes (``Tape.replay``):

    loss_value = tape.replay(loss, {x: batch, w: w_array}, grads={w: gw}, labels=batch_labels)
    opt.step(gw)
"""
from __future__ import annotations

from typing import Mapping, Optional, Union

import numpy as np

from . import _gdopt
from ._checks import integer_array


Operand = Union["Node", float, int, np.ndarray]


class Tape:
    """A tape of float64 (default) or float32 values. ``clear()`` drops every node and keeps
    the memory, so a training loop that records the same graph each step stops allocating
    in the library after its first step. Not thread-safe: one tape per thread."""

    def __init__(self, dtype=np.float64) -> None:
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}")
        self._handle = _gdopt.Tape(_gdopt.F32 if self.dtype == np.float32 else _gdopt.F64)

    def variable(self, data) -> "Node":
        """A leaf with a gradient, holding a copy of ``data`` (an array of the tape's dtype)."""
        return Node(self, self._handle.leaf(data, True))

    def constant(self, data) -> "Node":
        """A leaf without a gradient (inputs, targets)."""
        return Node(self, self._handle.leaf(data, False))

    def clear(self) -> None:
        """Drops every node; nodes recorded before are invalid afterwards."""
        self._handle.clear()

    def replay(self, root: "Node", feeds: Mapping["Node", np.ndarray],
               grads: Optional[Mapping["Node", np.ndarray]] = None, labels=None) -> float:
        """Runs the recorded graph again with new data, in one call into the library, and
        returns the root's new value: copies each ``feeds`` array into its leaf, the
        ``labels`` into the losses, reruns every op the scalar ``root`` depends on (with the
        same results as recording the graph anew), runs the backward pass, and writes each
        variable's gradient into its array in ``grads``.

        ``feeds`` and ``grads`` map leaves to arrays of the leaf's shape and the tape's dtype
        (grads writable, not sharing memory); leaves not fed keep their values. ``labels`` is
        the root loss's new labels, or a mapping from loss nodes to labels. Shapes are the
        recorded ones: record a graph per batch size, over the same variables, on one tape
        (ops that the root does not depend on are skipped). Everything is checked first: on an
        error nothing has changed. The library keeps no reference to any array."""
        nodes, data, outs, position = [], [], [], {}
        for node, array in feeds.items():
            position[self._own(node, "feeds")] = len(nodes)
            nodes.append(node.id)
            data.append(array)
            outs.append(None)
        for node, out in (grads or {}).items():
            i = position.get(self._own(node, "grads"))
            if i is None:
                nodes.append(node.id)
                data.append(None)
                outs.append(out)
            else:
                outs[i] = out
        if labels is None:
            losses, label_arrays = [], []
        elif isinstance(labels, Mapping):
            losses = [self._own(node, "labels") for node in labels]
            label_arrays = [integer_array(value, "labels") for value in labels.values()]
        else:
            losses, label_arrays = [self._own(root, "root")], [integer_array(labels, "labels")]
        return self._handle.replay(self._own(root, "root"), nodes, data, outs, losses, label_arrays)

    def _own(self, node, name: str) -> int:
        """The id of a node of this tape, or TypeError/ValueError naming the argument."""
        if not isinstance(node, Node):
            raise TypeError(f"{name} must name Nodes, not {type(node).__name__}")
        if node.tape is not self:
            raise ValueError(f"{name}: node {node.id} is on another tape")
        return node.id

    def _node(self, operand: Operand) -> int:
        if isinstance(operand, Node):
            return self._own(operand, "operand")
        array = np.asarray(operand)
        if isinstance(operand, (bool, np.bool_)) or array.dtype.kind not in "iuf":
            raise TypeError(f"an operand must be a Node, a number or a numeric array, not {type(operand).__name__}")
        return self._handle.leaf(np.asarray(array, dtype=self.dtype), False)

    def _unary(self, op: int, x: "Node") -> "Node":
        return Node(self, self._handle.unary(op, x.id))

    def _binary(self, op: int, a: Operand, b: Operand) -> "Node":
        return Node(self, self._handle.binary(op, self._node(a), self._node(b)))


class Node:
    """A value on a tape. Supports ``+ - * / @``, unary minus, numpy broadcasting, and
    the methods below; ``value`` and ``grad`` are numpy copies."""

    __slots__ = ("tape", "id")
    __array_ufunc__ = None  # numpy arrays on the left defer to the reflected operators here

    def __init__(self, tape: Tape, id: int) -> None:
        self.tape, self.id = tape, id

    @property
    def shape(self) -> tuple:
        return self.tape._handle.shape(self.id)

    @property
    def value(self) -> np.ndarray:
        out = np.empty(self.shape, dtype=self.tape.dtype)
        self.tape._handle.read(self.id, out, False)
        return out

    @property
    def grad(self) -> np.ndarray:
        """The gradient from the last ``backward`` (zeros where it did not reach)."""
        out = np.empty(self.shape, dtype=self.tape.dtype)
        self.tape._handle.read(self.id, out, True)
        return out

    def backward(self) -> None:
        """Computes the gradient of this scalar node with respect to every node before it."""
        self.tape._handle.backward(self.id)

    def __add__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.ADD, self, other)
    def __radd__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.ADD, other, self)
    def __sub__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.SUB, self, other)
    def __rsub__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.SUB, other, self)
    def __mul__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.MUL, self, other)
    def __rmul__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.MUL, other, self)
    def __truediv__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.DIV, self, other)
    def __rtruediv__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.DIV, other, self)
    def __matmul__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.MATMUL, self, other)
    def __rmatmul__(self, other: Operand) -> "Node": return self.tape._binary(_gdopt.MATMUL, other, self)
    def __neg__(self) -> "Node": return self.tape._unary(_gdopt.NEG, self)

    def exp(self) -> "Node": return self.tape._unary(_gdopt.EXP, self)
    def log(self) -> "Node": return self.tape._unary(_gdopt.LOG, self)
    def tanh(self) -> "Node": return self.tape._unary(_gdopt.TANH, self)
    def sigmoid(self) -> "Node": return self.tape._unary(_gdopt.SIGMOID, self)
    def relu(self) -> "Node": return self.tape._unary(_gdopt.RELU, self)
    def square(self) -> "Node": return self.tape._unary(_gdopt.SQUARE, self)
    def sqrt(self) -> "Node": return self.tape._unary(_gdopt.SQRT, self)
    def abs(self) -> "Node": return self.tape._unary(_gdopt.ABS, self)
    def sum(self) -> "Node": return self.tape._unary(_gdopt.SUM, self)
    def mean(self) -> "Node": return self.tape._unary(_gdopt.MEAN, self)

    @property
    def T(self) -> "Node":
        """The axes reversed (a matrix transpose for 2-D)."""
        return self.tape._unary(_gdopt.TRANSPOSE, self)

    def __repr__(self) -> str:
        return f"Node(id={self.id}, shape={self.shape})"


def _loss(kind: int, scores: Node, labels) -> Node:
    labels = integer_array(labels, "labels")
    return Node(scores.tape, scores.tape._handle.loss(kind, scores.id, labels))


def softmax_cross_entropy(scores: Node, labels) -> Node:
    """Mean over rows of -log softmax(scores)[label], computed with log-sum-exp.
    ``scores`` is N×C; ``labels`` holds N integers in [0, C)."""
    return _loss(_gdopt.SOFTMAX_CROSS_ENTROPY, scores, labels)


def multiclass_hinge(scores: Node, labels) -> Node:
    """The multiclass SVM loss with delta = 1: mean over rows of
    sum over j != label of max(0, s_j - s_label + 1)."""
    return _loss(_gdopt.MULTICLASS_HINGE, scores, labels)
