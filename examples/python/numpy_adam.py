"""Steps a numpy array in place with gdopt's Adam: least-squares linear regression on
synthetic data, compared with numpy's exact solution."""
import numpy as np

import gdopt

rng = np.random.default_rng(0)
X = rng.standard_normal((1000, 20))
w_true = rng.standard_normal(20)
y = X @ w_true + 0.1 * rng.standard_normal(1000)

w = np.zeros(20)                     # float64; gdopt updates it in place, no copies
opt = gdopt.Adam(lr=0.05)
schedule = gdopt.schedules.ExponentialLR(opt, gamma=0.995)
for step in range(1000):
    residual = X @ w - y
    grad = X.T @ residual / len(y)   # gradient of the mean squared error / 2
    opt.step(w, grad)
    schedule.step()
    if step % 200 == 0:
        print(f"step {step:4d}  loss {0.5 * np.mean(residual ** 2):.6f}  lr {opt.lr:.2e}")

w_exact, *_ = np.linalg.lstsq(X, y, rcond=None)
print(f"max |w - w_lstsq| = {np.max(np.abs(w - w_exact)):.2e}")
print(f"max |w - w_true|  = {np.max(np.abs(w - w_true)):.2e}")
