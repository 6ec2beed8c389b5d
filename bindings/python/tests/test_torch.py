"""gdopt.torch against torch.optim itself, run only where torch is installed (CI has no
torch: its wheel is large; `pip install torch --index-url https://download.pytorch.org/whl/cpu`
then `make test-python` runs these)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import gdopt.torch as gt  # noqa: E402

# torch's classes with options that exercise each rule's branches; Lion is not in torch.
# Learning rates small enough that training stays smooth: at 5x these, some of these runs turn
# chaotic (NAdam at lr 0.01 near step 66 in float32), and a last-bit difference (torch's
# vectorised lerp rounds once, with an FMA; gdopt's twice) grows 3x every 3 steps.
CASES = [
    ("SGD", {"lr": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adagrad", {"lr": 0.02, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.002, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.002}),
    ("Adam", {"lr": 0.002, "betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {"lr": 0.002, "amsgrad": True}),
    ("Adamax", {"lr": 0.002, "weight_decay": 0.01}),
    ("Adadelta", {"lr": 0.1, "rho": 0.8, "weight_decay": 0.01}),
    ("Rprop", {"lr": 0.002, "etas": (0.4, 1.3), "step_sizes": (1e-5, 1.0)}),
    ("NAdam", {"lr": 0.001, "weight_decay": 0.01, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.002, "weight_decay": 0.01}),
    ("RAdam", {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": True}),
    ("ASGD", {"lr": 0.01, "lambd": 1e-3, "t0": 20, "weight_decay": 0.01}),
    ("Adafactor", {"lr": 0.01}),
    ("Adafactor", {"lr": 0.01, "beta2_decay": -0.6, "eps": (1e-4, 1e-2), "d": 2.0, "weight_decay": 0.01}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
# torch keeps NAdam's mu_product and ASGD's eta and mu in float32 tensors, gdopt in doubles.
TOLERANCE = {"NAdam": 1e-8, "ASGD": 1e-8}


def model(dtype):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)).to(dtype)


def data(dtype):
    generator = torch.Generator().manual_seed(1)
    return torch.randn(64, 8, generator=generator, dtype=dtype), torch.randint(0, 3, (64,), generator=generator)


def train(net, opt, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()


def max_relative_difference(a, b):
    return max(((p - q).abs().max() / p.abs().max()).item() for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_a_model_trained_by_torch_and_by_gdopt_ends_at_the_same_params(name, options, dtype):
    x, y = data(dtype)
    theirs, ours = model(dtype), model(dtype)
    train(theirs, getattr(torch.optim, name)(theirs.parameters(), foreach=False, **options), x, y, 100)
    train(ours, getattr(gt, name)(ours.parameters(), **options), x, y, 100)
    tolerance = TOLERANCE.get(name, 1e-12) if dtype == torch.float64 else 1e-5
    assert max_relative_difference(theirs, ours) <= tolerance


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_state_dicts_cross_between_torch_and_gdopt(name, options):
    """torch.optim's state_dict after 5 steps loads into gdopt.torch, and gdopt.torch's back into
    torch.optim; each then continues as the original does."""
    x, y = data(torch.float64)
    theirs, ours, back = model(torch.float64), model(torch.float64), model(torch.float64)
    torch_opt = getattr(torch.optim, name)(theirs.parameters(), foreach=False, **options)
    train(theirs, torch_opt, x, y, 5)
    ours.load_state_dict(theirs.state_dict())
    gdopt_opt = getattr(gt, name)(ours.parameters(), **options)
    gdopt_opt.load_state_dict(torch_opt.state_dict())
    assert gdopt_opt.state == {}  # the state went into the library
    train(theirs, torch_opt, x, y, 5)
    train(ours, gdopt_opt, x, y, 5)
    assert max_relative_difference(theirs, ours) <= TOLERANCE.get(name, 1e-12)
    saved = gdopt_opt.state_dict()
    # torch's SGD without momentum keeps no state; gdopt keeps each slot's step count.
    assert set(torch_opt.state_dict()["state"]) <= set(saved["state"])
    for index, entry in torch_opt.state_dict()["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                assert saved["state"][index][key].shape == value.shape, key
    back.load_state_dict(ours.state_dict())
    torch_again = getattr(torch.optim, name)(back.parameters(), foreach=False, **options)
    torch_again.load_state_dict(saved)
    train(ours, gdopt_opt, x, y, 5)
    train(back, torch_again, x, y, 5)
    assert max_relative_difference(back, ours) <= TOLERANCE.get(name, 1e-12)


def test_param_groups_and_an_lr_scheduler():
    x, y = data(torch.float64)
    theirs, ours = model(torch.float64), model(torch.float64)

    def groups(net):
        return [{"params": net[0].parameters(), "lr": 0.05, "betas": (0.8, 0.9)},
                {"params": net[2].parameters(), "weight_decay": 0.1}]

    torch_opt = torch.optim.Adam(groups(theirs), lr=0.01, foreach=False)
    gdopt_opt = gt.Adam(groups(ours), lr=0.01)
    schedulers = [torch.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5) for o in (torch_opt, gdopt_opt)]
    for _ in range(40):
        for net, opt in ((theirs, torch_opt), (ours, gdopt_opt)):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        for scheduler in schedulers:
            scheduler.step()
    assert [g["lr"] for g in gdopt_opt.param_groups] == [0.05 / 16, 0.01 / 16]
    assert max_relative_difference(theirs, ours) <= 1e-12
    for p in ours.parameters():
        assert p.grad is not None
    gdopt_opt.zero_grad()
    assert all(p.grad is None for p in ours.parameters())


def test_params_without_gradients_are_skipped_and_keep_their_slot():
    a, b = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(2))
    opt = gt.Adam([a, b], lr=0.1)
    b.grad = torch.ones(2)
    opt.step()
    a.grad = torch.ones(3)
    opt.step()
    state = opt.state_dict()["state"]
    assert int(state[0]["step"]) == 1 and int(state[1]["step"]) == 2


def test_what_gdopt_cannot_step_is_a_clear_error():
    opt = gt.SGD([torch.nn.Parameter(torch.ones(2, 3).t())], lr=0.1)
    opt.param_groups[0]["params"][0].grad = torch.ones(3, 2)
    with pytest.raises(ValueError, match="param 0 of group 0 or its gradient is not contiguous"):
        opt.step()
    half = torch.nn.Parameter(torch.ones(4, dtype=torch.float16))
    half.grad = torch.ones(4, dtype=torch.float16)
    with pytest.raises(ValueError, match="is torch.float16"):
        gt.SGD([half], lr=0.1).step()
    sparse = torch.nn.Parameter(torch.ones(4))
    sparse.grad = torch.ones(4).to_sparse()
    with pytest.raises(ValueError, match="sparse gradient"):
        gt.SGD([sparse], lr=0.1).step()
    meta = torch.nn.Parameter(torch.ones(4, device="meta"))
    meta.grad = torch.ones(4, device="meta")
    with pytest.raises(ValueError, match="is on meta: gdopt.torch steps CPU tensors only"):
        gt.SGD([meta], lr=0.1).step()
    with pytest.raises(TypeError, match="unexpected keyword argument 'capturable'"):
        gt.Adam([sparse], capturable=True)
    with pytest.raises(ValueError, match="beta1"):
        gt.Adam([sparse], betas=(1.5, 0.9))
    with pytest.raises(ValueError, match=r"shape \(2, 3, 4\): gdopt.torch.Adafactor factors 2-D params only"):
        gt.Adafactor([torch.nn.Parameter(torch.ones(2, 3, 4))])


def test_the_step_is_in_place_with_no_copy():
    p = torch.nn.Parameter(torch.zeros(1000))
    p.grad = torch.ones(1000)
    address = p.data_ptr()
    view = p.detach().numpy()
    gt.SGD([p], lr=0.5).step()
    assert p.data_ptr() == address and np.all(view == -0.5)
