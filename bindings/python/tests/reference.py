"""The update equations of API.md §6 in plain numpy float64, written from the contract and
not from the library: the independent reference for the parity tests."""
import numpy as np


class Reference:
    def __init__(self, kind, **h):
        self.kind, self.h, self.t, self.state = kind, h, 0, {}

    def buffer(self, name, n, value=0.0):
        if name not in self.state:
            self.state[name] = np.full(n, value, dtype=np.float64)
        return self.state[name]

    def step(self, p, g):
        """p, g: float64 arrays; returns the new p (p is not modified)."""
        h, n = self.h, p.size
        self.t += 1
        t = self.t
        p = p.astype(np.float64).copy()
        g = g.astype(np.float64).copy()
        max_norm = h.get("max_grad_norm") or 0
        if max_norm > 0:
            coef = max_norm / (np.sqrt(np.sum(g * g)) + 1e-6)
            if coef < 1:
                g = g * coef
        if h.get("maximize"):
            g = -g
        wd = h.get("weight_decay", 0.0)
        if self.kind == "sgd":
            if wd:
                g = g + wd * p
            mu = h.get("momentum", 0.0)
            if mu:
                b = self.buffer("momentum_buffer", n)
                b[:] = g if t == 1 else mu * b + (1 - h.get("dampening", 0.0)) * g
                g = g + mu * b if h.get("nesterov") else b.copy()
            return p - h["lr"] * g
        if self.kind == "adagrad":
            clr = h["lr"] / (1 + (t - 1) * h.get("lr_decay", 0.0))
            if wd:
                g = g + wd * p
            s = self.buffer("sum", n, h.get("initial_accumulator_value", 0.0))
            s += g * g
            return p - clr * g / (np.sqrt(s) + h.get("eps", 1e-10))
        if self.kind == "rmsprop":
            alpha, mu = h.get("alpha", 0.99), h.get("momentum", 0.0)
            if wd:
                g = g + wd * p
            v = self.buffer("square_avg", n)
            v[:] = alpha * v + (1 - alpha) * g * g
            vt = v
            if h.get("centered"):
                gbar = self.buffer("grad_avg", n)
                gbar[:] = alpha * gbar + (1 - alpha) * g
                vt = v - gbar * gbar
            d = np.sqrt(vt) + h.get("eps", 1e-8)
            if mu > 0:
                b = self.buffer("momentum_buffer", n)
                b[:] = mu * b + g / d
                return p - h["lr"] * b
            return p - h["lr"] * g / d
        if self.kind == "lion":  # Chen et al. 2023, Algorithm 2 (API.md §11)
            b1, b2 = h.get("betas", (0.9, 0.99))
            lr = h.get("lr", 1e-4)
            m = self.buffer("exp_avg", n)
            u = np.sign(b1 * m + (1 - b1) * g)
            m[:] = b2 * m + (1 - b2) * g
            return p * (1 - lr * wd) - lr * u
        if self.kind == "rprop":  # torch 2.x's _single_tensor_rprop: the step size is clamped on every step
            (eta_minus, eta_plus), (low, high) = h.get("etas", (0.5, 1.2)), h.get("step_sizes", (1e-6, 50.0))
            prev, size = self.buffer("prev", n), self.buffer("step_size", n, h.get("lr", 1e-2))
            s = np.sign(g * prev)
            size[:] = np.clip(size * np.where(s > 0, eta_plus, np.where(s < 0, eta_minus, 1.0)), low, high)
            g = np.where(s < 0, 0.0, g)
            prev[:] = g
            return p - np.sign(g) * size
        if self.kind == "adadelta":  # torch.optim.Adadelta (Zeiler 2012): eps inside both roots
            rho, eps = h.get("rho", 0.9), h.get("eps", 1e-6)
            if wd:
                g = g + wd * p
            v, a = self.buffer("square_avg", n), self.buffer("acc_delta", n)
            v[:] = rho * v + (1 - rho) * g * g
            delta = np.sqrt(a + eps) / np.sqrt(v + eps) * g
            a[:] = rho * a + (1 - rho) * delta * delta
            return p - h.get("lr", 1.0) * delta
        if self.kind == "adamax":  # torch 2.x's _single_tensor_adamax (lerp_, addcdiv_)
            b1, b2 = h.get("betas", (0.9, 0.999))
            if wd:
                g = g + wd * p
            m, u = self.buffer("exp_avg", n), self.buffer("exp_inf", n)
            m[:] = m + (1 - b1) * (g - m)
            u[:] = np.maximum(b2 * u, np.abs(g) + h.get("eps", 1e-8))
            return p - h.get("lr", 2e-3) / (1 - b1 ** t) * (m / u)
        if self.kind == "nadam":  # torch 2.x's _single_tensor_nadam (lerp_, two addcdiv_)
            b1, b2 = h.get("betas", (0.9, 0.999))
            lr, psi = h.get("lr", 2e-3), h.get("momentum_decay", 4e-3)
            if h.get("decoupled_weight_decay"):
                p = p * (1 - lr * wd)
            elif wd:
                g = g + wd * p
            mu, mu_next = b1 * (1 - 0.5 * 0.96 ** (t * psi)), b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
            product = self.state.get("mu_product", 1.0) * mu
            self.state["mu_product"] = product
            m, v = self.buffer("exp_avg", n), self.buffer("exp_avg_sq", n)
            m[:] = m + (1 - b1) * (g - m)
            v[:] = b2 * v + (1 - b2) * g * g
            d = np.sqrt(v / (1 - b2 ** t)) + h.get("eps", 1e-8)
            p = p + -lr * (1 - mu) / (1 - product) * g / d
            return p + -lr * mu_next / (1 - product * mu_next) * m / d
        if self.kind == "radam":  # torch 2.x's _single_tensor_radam
            b1, b2 = h.get("betas", (0.9, 0.999))
            lr = h.get("lr", 1e-3)
            if h.get("decoupled_weight_decay"):
                p = p * (1 - lr * wd)
            elif wd:
                g = g + wd * p
            m, v = self.buffer("exp_avg", n), self.buffer("exp_avg_sq", n)
            m[:] = m + (1 - b1) * (g - m)
            v[:] = b2 * v + (1 - b2) * g * g
            bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
            rho_inf = 2 / (1 - b2) - 1
            rho = rho_inf - 2 * t * b2 ** t / bc2
            if rho <= 5:
                return p - m / bc1 * lr
            r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            return p - m / bc1 * lr * (np.sqrt(bc2) / (np.sqrt(v) + h.get("eps", 1e-8))) * r
        if self.kind == "asgd":  # torch 2.x's _single_tensor_asgd
            lr, lambd = h.get("lr", 1e-2), h.get("lambd", 1e-4)
            eta, mu = self.state.get("eta", lr), self.state.get("mu", 1.0)
            if wd:
                g = g + wd * p
            p = p * (1 - lambd * eta) - eta * g
            ax = self.buffer("ax", n)
            ax[:] = ax + (p - ax) * mu if mu != 1 else p
            self.state["eta"] = lr / (1 + lambd * lr * t) ** h.get("alpha", 0.75)
            self.state["mu"] = 1 / max(1, t - h.get("t0", 1e6))
            return p
        if self.kind == "adafactor":  # torch 2.x's _single_tensor_adafactor; h["shape"] factors p
            lr, (eps1, eps2) = h.get("lr", 1e-2), h.get("eps", (None, 1e-3))
            eps1 = np.finfo(np.float64).eps if eps1 is None else eps1
            w = t ** h.get("beta2_decay", -0.8)

            def lerp(a, b):
                return a + w * (b - a) if w < 0.5 else b - (b - a) * (1 - w)
            alpha = max(eps2, np.sqrt(np.sum(p * p)) / np.sqrt(n)) * min(lr, 1 / np.sqrt(t))
            if wd:
                p = p * (1 - lr * wd)
            if "shape" in h:
                g2 = (g * g).reshape(h["shape"])
                r = self.buffer("row_var", h["shape"][0])
                c = self.buffer("col_var", h["shape"][1])
                r[:] = lerp(r, g2.mean(axis=1))
                c[:] = lerp(c, g2.mean(axis=0))
                estimate = (np.outer(r, c) / max(r.mean(), eps1)).reshape(-1)
            else:
                v = self.buffer("variance", n)
                v[:] = lerp(v, g * g)
                estimate = v
            u = 1 / np.sqrt(np.maximum(estimate, eps1 * eps1)) * g
            return p + -alpha / max(1, np.sqrt(np.sum(u * u)) / (np.sqrt(n) * h.get("d", 1.0))) * u
        # adam / adamw
        b1, b2 = h.get("betas", (0.9, 0.999))
        lr = h.get("lr", 1e-3)
        if self.kind == "adamw":
            p = p * (1 - lr * h.get("weight_decay", 1e-2))
        elif wd:
            g = g + wd * p
        m, v = self.buffer("exp_avg", n), self.buffer("exp_avg_sq", n)
        m[:] = b1 * m + (1 - b1) * g
        v[:] = b2 * v + (1 - b2) * g * g
        vhat = v
        if h.get("amsgrad"):
            vmax = self.buffer("max_exp_avg_sq", n)
            np.maximum(vmax, v, out=vmax)
            vhat = vmax
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        return p - (lr / bc1) * m / (np.sqrt(vhat) / np.sqrt(bc2) + h.get("eps", 1e-8))
