/* Tests of include/gdopt.hpp: every wrapped call, against the C calls it wraps (the same
 * bits), against plain references written here, and with bad input (a gdopt::error with
 * the status and the library's message, and nothing changed). Built with -std=c++17 and
 * -std=c++20 (the std::span overloads), -Wall -Wextra -Werror, and under ASan+UBSan. */
#include <gdopt.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>
#include <string>
#include <vector>

static int passed = 0, failed = 0;
#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (cond)                                                                                                      \
            passed++;                                                                                                  \
        else {                                                                                                         \
            failed++;                                                                                                  \
            std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                                \
        }                                                                                                              \
    } while (0)

/* Runs body, which must throw gdopt::error with this status and a message containing text. */
#define CHECK_THROWS(status_code, text, body)                                                                          \
    do {                                                                                                               \
        bool thrown = false;                                                                                           \
        try {                                                                                                          \
            body;                                                                                                      \
        } catch (const gdopt::error &e) {                                                                              \
            thrown = e.status() == (status_code) && std::strstr(e.what(), text) != nullptr;                            \
            if (!thrown) std::printf("  got %s: %s\n", e.status_name(), e.what());                                     \
        }                                                                                                              \
        CHECK(thrown && #body);                                                                                        \
    } while (0)

/* Counts the C++ allocations made between two points: steps and ask/tell must make none. */
static std::size_t allocations = 0;
void *operator new(std::size_t size) {
    allocations++;
    if (void *p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept {
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept {
    std::free(p);
}

template <class T> static bool same_bits(const std::vector<T> &a, const std::vector<T> &b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

static double rosenbrock(gdopt::view<const double> x, gdopt::view<double> grad) {
    double f = 0;
    for (std::size_t i = 0; i < grad.size(); i++) grad[i] = 0;
    for (std::size_t i = 0; i + 1 < x.size(); i++) {
        const double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        f += 100 * a * a + b * b;
        if (!grad.empty()) {
            grad[i] += -400 * x[i] * a - 2 * b;
            grad[i + 1] += 200 * a;
        }
    }
    return f;
}
static double rosenbrock_c(std::size_t n, const double *x, double *grad, void *) {
    return rosenbrock(gdopt::view<const double>(x, n), grad ? gdopt::view<double>(grad, n) : gdopt::view<double>());
}

struct objective_failed {
    int code;
};

static void test_library() {
    char expected[32];
    std::snprintf(expected, sizeof expected, "%d.%d.%d", GDOPT_VERSION_MAJOR, GDOPT_VERSION_MINOR, GDOPT_VERSION_PATCH);
    CHECK(gdopt::version() == expected);
    CHECK(gdopt::abi_version() == GDOPT_ABI_VERSION);
    CHECK(gdopt::build_info().find("simd:") != std::string::npos || !gdopt::build_info().empty());
    gdopt::set_num_threads(2);
    gdopt::set_num_threads(0);
    CHECK_THROWS(GDOPT_ERR_INVALID, "gdopt_set_num_threads", gdopt::set_num_threads(-1));

    const auto kinds = gdopt::optimizer_kinds();
    CHECK(kinds.size() >= 5 && std::find(kinds.begin(), kinds.end(), "adam") != kinds.end());
    const auto adam = gdopt::optimizer_params("adam");
    CHECK(!adam.empty() && std::string(adam[0].name) == "lr" && adam[0].default_value == 1e-3);
    CHECK_THROWS(GDOPT_ERR_INVALID, "nope", gdopt::optimizer_params("nope"));
    const auto names = gdopt::optimizer_state_names("adam");
    CHECK(names.size() >= 2 && names[0] == "exp_avg" && names[1] == "exp_avg_sq");
    const auto schedules = gdopt::schedule_kinds();
    CHECK(std::find(schedules.begin(), schedules.end(), "cosine") != schedules.end());
    CHECK(!gdopt::schedule_params("cosine").empty());
    const auto methods = gdopt::solver_methods();
    CHECK(std::find(methods.begin(), methods.end(), "lbfgs") != methods.end());
    const auto options = gdopt::solver_params("lbfgs");
    CHECK(std::find_if(options.begin(), options.end(), [](const gdopt::param_info &p) {
              return std::string(p.name) == "gtol" && p.default_value == 1e-5;
          }) != options.end());
}

/* Adam's equations in double, written from gdopt.h, for one element. */
struct adam_reference {
    double m = 0, v = 0;
    double step(double p, double g, int t, double lr, double b1, double b2, double eps) {
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
        return p - (lr / bc1) * m / (std::sqrt(v) / std::sqrt(bc2) + eps);
    }
};

static void test_optimizer() {
    const std::size_t n = 37;
    std::vector<double> p(n), g(n);
    for (std::size_t i = 0; i < n; i++) p[i] = std::sin(1.0 + i);
    gdopt::optimizer adam("adam", {{"lr", 0.05}, {"beta2", 0.99}});
    CHECK(adam.get("lr") == 0.05 && adam.get("beta2") == 0.99 && adam.get("beta1") == 0.9);
    gdopt_optimizer *c = nullptr;
    gdopt_optimizer_create("adam", &c);
    gdopt_optimizer_set(c, "lr", 0.05);
    gdopt_optimizer_set(c, "beta2", 0.99);
    std::vector<double> p_c = p, p_ref = p;
    std::vector<adam_reference> ref(n);
    double worst = 0;
    for (int t = 1; t <= 60; t++) {
        for (std::size_t i = 0; i < n; i++) g[i] = 2 * p[i] - std::cos(0.1 * t + i); // a moving quadratic
        adam.step(3, p, g);
        for (std::size_t i = 0; i < n; i++) g[i] = 2 * p_c[i] - std::cos(0.1 * t + i);
        gdopt_optimizer_step_f64(c, 3, p_c.data(), g.data(), n);
        for (std::size_t i = 0; i < n; i++) {
            p_ref[i] = ref[i].step(p_ref[i], 2 * p_ref[i] - std::cos(0.1 * t + i), t, 0.05, 0.9, 0.99, 1e-8);
            worst = std::max(worst, std::fabs(p_ref[i] - p[i]));
        }
    }
    CHECK(same_bits(p, p_c));
    CHECK(worst < 1e-12);

    const std::vector<double> before = p;
    CHECK_THROWS(GDOPT_ERR_SIZE, "grads has 36 elements", adam.step(3, p, std::vector<double>(n - 1)));
    CHECK_THROWS(GDOPT_ERR_SIZE, "slot 3", adam.step(3, p.data(), g.data(), n - 1));
    std::vector<float> pf(n), gf(n);
    CHECK_THROWS(GDOPT_ERR_INVALID, "dtype", adam.step(3, pf, gf));
    CHECK_THROWS(GDOPT_ERR_INVALID, "lr", adam.set("lr", -1));
    CHECK_THROWS(GDOPT_ERR_INVALID, "nope", adam.get("nope"));
    CHECK_THROWS(GDOPT_ERR_INVALID, "nope", gdopt::optimizer("nope"));
    CHECK(same_bits(p, before) && adam.get("lr") == 0.05);
    adam.check(3, p, g);
    CHECK_THROWS(GDOPT_ERR_SIZE, "grads", adam.check(3, p, std::vector<double>(1)));
    adam.set("reject_nonfinite", 1);
    g[5] = NAN;
    CHECK_THROWS(GDOPT_ERR_NONFINITE, "", adam.step(3, p, g));
    CHECK(same_bits(p, before));
    g[5] = 0.5;
    adam.set("reject_nonfinite", 0);

    // State as data, and checkpoints that continue bit for bit.
    CHECK(adam.slots() == std::vector<std::size_t>{3});
    const gdopt::slot_info info = adam.info(3);
    CHECK(info.n == n && info.step == 60 && info.dtype == GDOPT_F64);
    std::vector<double> m(n);
    adam.state_get(3, "exp_avg", m);
    bool same_m = true;
    for (std::size_t i = 0; i < n; i++) same_m &= std::fabs(m[i] - ref[i].m) < 1e-12;
    CHECK(same_m);
    CHECK_THROWS(GDOPT_ERR_INVALID, "no state", adam.info(4));
    const std::vector<unsigned char> bytes = adam.serialize();
    CHECK(bytes.size() == adam.serialize(nullptr, 0));
    const std::string path = "build/cpp_test_adam.ckpt";
    adam.save(path);
    gdopt::optimizer restored("adam"), loaded("adam");
    restored.deserialize(bytes);
    loaded.load(path);
    std::vector<double> p2 = p, p3 = p;
    adam.step(3, p, g);
    restored.step(3, p2, g);
    loaded.step(3, p3, g);
    CHECK(same_bits(p, p2) && same_bits(p, p3));
    CHECK_THROWS(GDOPT_ERR_FORMAT, "", restored.deserialize(bytes.data(), bytes.size() / 2));
    CHECK_THROWS(GDOPT_ERR_IO, "", loaded.load("/nonexistent/dir/x"));
    CHECK_THROWS(GDOPT_ERR_SIZE, "", adam.serialize(std::vector<unsigned char>(4).data(), 4));

    std::vector<double> zeros(n, 0.0), ones(n, 1.0);
    const char *state_names[] = {"exp_avg", "exp_avg_sq"};
    const double *buffers[] = {zeros.data(), ones.data()};
    restored.state_set(9, 1, n, state_names, buffers, 2);
    std::vector<double> v(n);
    restored.state_get(9, "exp_avg_sq", v);
    CHECK(v == ones && restored.info(9).step == 1);
    restored.reset();
    CHECK(restored.slots().empty());

    // Moves: the handle goes along; the moved-from object throws NULL.
    gdopt::optimizer moved(std::move(adam));
    CHECK(moved.get("lr") == 0.05 && moved.native_handle() != nullptr);
    CHECK_THROWS(GDOPT_ERR_NULL, "", adam.get("lr"));
    adam = std::move(moved);
    CHECK(adam.get("lr") == 0.05);

    // No C++ allocation per step.
    const std::size_t allocated = allocations;
    for (int t = 0; t < 100; t++) adam.step(3, p, g);
    CHECK(allocations == allocated);

#ifdef GDOPT_HPP_SPAN
    std::span<double> ps(p);
    std::span<const double> gs(g);
    std::vector<double> p_span = p;
    gdopt::optimizer twin(std::string("adam"));
    gdopt::optimizer twin_c("adam");
    twin.step(0, std::span<double>(p_span), gs);
    twin_c.step(0, ps.data(), gs.data(), ps.size());
    CHECK(same_bits(p_span, p));
    CHECK_THROWS(GDOPT_ERR_SIZE, "grads", twin.step(0, std::span<double>(p_span), gs.first(3)));
#endif
    gdopt_optimizer_destroy(c);
}

static void test_kernels() {
    const std::size_t n = 1001;
    std::vector<float> p(n), g(n), m(n), v(n), vmax(n), b(n);
    for (std::size_t i = 0; i < n; i++) {
        p[i] = std::cos(0.01f * i);
        g[i] = std::sin(0.37f * i);
    }
    std::vector<float> pc = p, mc(n), vc(n), vmaxc(n), bc(n);
    for (std::uint64_t t = 1; t <= 5; t++) {
        gdopt::adam_update(p, g, m, v, vmax, t, 1e-2, 0.9, 0.999, 1e-8, 0.01, GDOPT_ADAM_AMSGRAD);
        gdopt_adam_update_f32(pc.data(), g.data(), mc.data(), vc.data(), vmaxc.data(), n, t, 1e-2, 0.9, 0.999, 1e-8,
                              0.01, GDOPT_ADAM_AMSGRAD);
    }
    CHECK(same_bits(p, pc) && same_bits(vmax, vmaxc));
    std::vector<float> none;
    gdopt::adam_update(p, g, m, v, none, 6, 1e-2, 0.9, 0.999, 1e-8, 0, 0);
    gdopt_adam_update_f32(pc.data(), g.data(), mc.data(), vc.data(), nullptr, n, 6, 1e-2, 0.9, 0.999, 1e-8, 0, 0);
    CHECK(same_bits(p, pc));
    CHECK_THROWS(GDOPT_ERR_NULL, "vmax",
                 gdopt::adam_update(p, g, m, v, none, 7, 1e-2, 0.9, 0.999, 1e-8, 0, GDOPT_ADAM_AMSGRAD));
    CHECK_THROWS(GDOPT_ERR_SIZE, "vmax has 3",
                 gdopt::adam_update(p, g, m, v, std::vector<float>(3), 7, 1e-2, 0.9, 0.999, 1e-8, 0, 0));
    CHECK_THROWS(GDOPT_ERR_SIZE, "m has 0", gdopt::adam_update(p, g, none, v, none, 7, 1e-2, 0.9, 0.999, 1e-8, 0, 0));
    CHECK_THROWS(GDOPT_ERR_INVALID, "t=0", gdopt::adam_update(p, g, m, v, none, 0, 1e-2, 0.9, 0.999, 1e-8, 0, 0));
    CHECK(same_bits(p, pc));

    // SGD with momentum: b = g at t = 1, then momentum*b + g; p -= lr*b (a plain reference).
    std::vector<double> pd(50, 1.0), gd(50, 0.5), bd(50), ref(50, 1.0), ref_b(50);
    for (std::uint64_t t = 1; t <= 50; t++) {
        gdopt::sgd_update(pd, gd, bd, t, 0.1, 0.9, 0, 0, false, false);
        for (std::size_t i = 0; i < 50; i++) {
            ref_b[i] = t == 1 ? gd[i] : 0.9 * ref_b[i] + gd[i];
            ref[i] -= 0.1 * ref_b[i];
        }
    }
    CHECK(same_bits(pd, ref));
    std::vector<double> no_buffer;
    gdopt::sgd_update(pd, gd, no_buffer, 1, 0.1, 0, 0, 0, false, false);
    CHECK(pd[0] == ref[0] - 0.05);
    CHECK_THROWS(GDOPT_ERR_INVALID, "nesterov", gdopt::sgd_update(pd, gd, bd, 2, 0.1, 0, 0, 0, true, false));
    CHECK_THROWS(GDOPT_ERR_SIZE, "momentum_buf",
                 gdopt::sgd_update(pd, gd, std::vector<double>(2), 2, 0.1, 0.9, 0, 0, false, false));

    // Adagrad: sum += g^2; p -= lr*g/(sqrt(sum)+eps).
    std::vector<double> pa(3, 1.0), ga{1, -2, 4}, sum(3);
    gdopt::adagrad_update(pa, ga, sum, 1, 0.5, 0, 0, 1e-10, false);
    CHECK(std::fabs(pa[1] - (1 + 0.5 * 2 / (2 + 1e-10))) < 1e-15 && sum[2] == 16);
    CHECK_THROWS(GDOPT_ERR_SIZE, "sum", gdopt::adagrad_update(pa, ga, std::vector<double>(1), 1, 0.5, 0, 0, 0, false));
    CHECK_THROWS(GDOPT_ERR_INVALID, "lr",
                 gdopt::adagrad_update(pa.data(), ga.data(), sum.data(), 3, 1, -1.0, 0, 0, 0, false));

    // RMSprop, centered with momentum, against the C call.
    std::vector<double> pr(3, 1.0), sq(3), ga2(3), mb(3), prc(3, 1.0), sqc(3), ga2c(3), mbc(3);
    for (int t = 0; t < 4; t++) {
        gdopt::rmsprop_update(pr, ga, sq, ga2, mb, 0.01, 0.99, 1e-8, 0, 0.9, true, false);
        gdopt_rmsprop_update_f64(prc.data(), ga.data(), sqc.data(), ga2c.data(), mbc.data(), 3, 0.01, 0.99, 1e-8, 0,
                                 0.9, 1, 0);
    }
    CHECK(same_bits(pr, prc) && same_bits(mb, mbc));
    CHECK_THROWS(GDOPT_ERR_NULL, "grad_avg",
                 gdopt::rmsprop_update(pr, ga, sq, no_buffer, mb, 0.01, 0.99, 1e-8, 0, 0.9, true, false));

    // Lion against the optimizer object of the same kind: the same bits.
    std::vector<double> pl(50, 1.0), ml(50), po(50, 1.0), gl(50);
    gdopt::optimizer lion("lion", {{"lr", 0.01}, {"weight_decay", 0.1}});
    for (int t = 0; t < 20; t++) {
        for (std::size_t i = 0; i < 50; i++) gl[i] = std::sin(0.3 * (t + 1) * (i + 1));
        gdopt::lion_update(pl, gl, ml, 0.01, 0.9, 0.99, 0.1, false);
        lion.step(0, po, gl);
    }
    CHECK(same_bits(pl, po) && pl != std::vector<double>(50, 1.0));
    CHECK_THROWS(GDOPT_ERR_SIZE, "exp_avg", gdopt::lion_update(pl, gl, std::vector<double>(3), 0.01, 0.9, 0.99, 0, 0));
    CHECK_THROWS(GDOPT_ERR_INVALID, "beta1",
                 gdopt::lion_update(pl.data(), gl.data(), ml.data(), 50, 0.01, 1.5, 0.99, 0, false));

    // Adamax likewise.
    std::vector<float> pa32(30, 0.5f), ma(30), ua(30), po32(30, 0.5f), ga32(30);
    gdopt::optimizer adamax("adamax", {{"weight_decay", 0.01}});
    for (std::uint64_t t = 1; t <= 20; t++) {
        for (std::size_t i = 0; i < 30; i++) ga32[i] = std::cos(0.7f * static_cast<float>(t * (i + 1)));
        gdopt::adamax_update(pa32, ga32, ma, ua, t, 2e-3, 0.9, 0.999, 1e-8, 0.01, false);
        adamax.step(0, po32, ga32);
    }
    CHECK(same_bits(pa32, po32));
    CHECK_THROWS(GDOPT_ERR_SIZE, "exp_inf",
                 gdopt::adamax_update(pa32, ga32, ma, std::vector<float>(2), 1, 2e-3, 0.9, 0.999, 1e-8, 0, false));
    CHECK_THROWS(GDOPT_ERR_INVALID, "t=0",
                 gdopt::adamax_update(pa32, ga32, ma, ua, 0, 2e-3, 0.9, 0.999, 1e-8, 0, false));

    // Adadelta likewise.
    std::vector<double> pd2(30, 0.5), sa(30), ad(30), od(30, 0.5), gd2(30);
    gdopt::optimizer adadelta("adadelta", {{"rho", 0.8}, {"maximize", 1}});
    for (int t = 1; t <= 20; t++) {
        for (std::size_t i = 0; i < 30; i++) gd2[i] = std::sin(0.2 * t * static_cast<double>(i + 1));
        gdopt::adadelta_update(pd2, gd2, sa, ad, 1.0, 0.8, 1e-6, 0, true);
        adadelta.step(0, od, gd2);
    }
    CHECK(same_bits(pd2, od));
    CHECK_THROWS(GDOPT_ERR_SIZE, "acc_delta",
                 gdopt::adadelta_update(pd2, gd2, sa, std::vector<double>(1), 1.0, 0.9, 1e-6, 0, false));
    CHECK_THROWS(GDOPT_ERR_INVALID, "rho", gdopt::adadelta_update(pd2, gd2, sa, ad, 1.0, 1.5, 1e-6, 0, false));

    // Rprop likewise, with the kernel's step sizes started at lr.
    std::vector<double> pr2(30, 0.5), prev(30), sizes(30, 0.05), or2(30, 0.5), gr2(30);
    gdopt::optimizer rprop("rprop", {{"lr", 0.05}});
    for (int t = 1; t <= 20; t++) {
        for (std::size_t i = 0; i < 30; i++) gr2[i] = std::sin(0.9 * t * static_cast<double>(i + 1));
        gdopt::rprop_update(pr2, gr2, prev, sizes, 0.5, 1.2, 1e-6, 50, false);
        rprop.step(0, or2, gr2);
    }
    CHECK(same_bits(pr2, or2));
    CHECK_THROWS(GDOPT_ERR_SIZE, "step_size",
                 gdopt::rprop_update(pr2, gr2, prev, std::vector<double>(1), 0.5, 1.2, 1e-6, 50, false));
    CHECK_THROWS(GDOPT_ERR_INVALID, "eta_plus", gdopt::rprop_update(pr2, gr2, prev, sizes, 0.5, 0.9, 1e-6, 50, false));

    // NAdam, RAdam and ASGD likewise, the kernels carrying the scalar state.
    std::vector<float> pn(30, 0.5f), mn(30), vn(30), on(30, 0.5f), gn(30);
    std::vector<double> pas(30, 0.5), ax(30), oa(30, 0.5), gas(30), prd(30, 0.5), mr(30), vr(30), orr(30, 0.5);
    gdopt::optimizer nadam("nadam", {{"weight_decay", 0.1}, {"decoupled_weight_decay", 1}});
    gdopt::optimizer radam("radam", {{"weight_decay", 0.1}, {"maximize", 1}});
    gdopt::optimizer asgd("asgd", {{"t0", 5}, {"lambd", 0.01}});
    double mu_product = 1, eta = 0.01, mu = 1;
    for (std::uint64_t t = 1; t <= 20; t++) {
        for (std::size_t i = 0; i < 30; i++) {
            gn[i] = std::cos(0.3f * static_cast<float>(t * (i + 1)));
            gas[i] = std::sin(0.4 * static_cast<double>(t * (i + 1)));
        }
        gdopt::nadam_update(pn, gn, mn, vn, mu_product, t, 2e-3, 0.9, 0.999, 1e-8, 0.1, 4e-3, true, false);
        nadam.step(0, on, gn);
        gdopt::radam_update(prd, gas, mr, vr, t, 1e-3, 0.9, 0.999, 1e-8, 0.1, false, true);
        radam.step(0, orr, gas);
        gdopt::asgd_update(pas, gas, ax, eta, mu, t, 0.01, 0.01, 0.75, 5, 0, false);
        asgd.step(0, oa, gas);
    }
    CHECK(same_bits(pn, on) && same_bits(prd, orr) && same_bits(pas, oa));
    CHECK(nadam.scalar_get(0, "mu_product") == mu_product && asgd.scalar_get(0, "eta") == eta &&
          asgd.scalar_get(0, "mu") == mu && mu == 1.0 / 15);
    CHECK((gdopt::optimizer_scalar_names("asgd") == std::vector<std::string>{"eta", "mu"}));
    asgd.scalar_set(0, "mu", 0.5);
    CHECK(asgd.scalar_get(0, "mu") == 0.5);
    CHECK_THROWS(GDOPT_ERR_INVALID, "mu=2", asgd.scalar_set(0, "mu", 2));
    double bad_product = 2;
    CHECK_THROWS(GDOPT_ERR_INVALID, "mu_product=2",
                 gdopt::nadam_update(pn, gn, mn, vn, bad_product, 1, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, false, false));
    CHECK(bad_product == 2);
    CHECK_THROWS(GDOPT_ERR_SIZE, "exp_avg_sq",
                 gdopt::radam_update(prd, gas, mr, std::vector<double>(2), 1, 1e-3, 0.9, 0.999, 1e-8, 0, false, false));
    CHECK_THROWS(GDOPT_ERR_SIZE, "ax",
                 gdopt::asgd_update(pas, gas, std::vector<double>(3), eta, mu, 1, 0.01, 1e-4, 0.75, 1e6, 0, false));

    // Adafactor: a factored slot (set_shape) equals the factored kernel, and a vector slot the unfactored one.
    std::vector<double> fp(12, 0.5), fq(12, 0.5), fg(12), rowv(3), colv(4), vp(12, 0.5), vq(12, 0.5), var(12);
    gdopt::optimizer factored("adafactor", {{"weight_decay", 0.1}}), plain("adafactor");
    factored.set_shape(0, 3, 4);
    for (std::uint64_t t = 1; t <= 20; t++) {
        for (std::size_t i = 0; i < 12; i++) fg[i] = std::sin(0.5 * static_cast<double>(t * (i + 2)));
        gdopt::adafactor_update(fq, fg, rowv, colv, std::vector<double>(), 3, 4, t, 0.01, -0.8, 0, 1e-3, 1, 0.1, false);
        factored.step(0, fp, fg);
        gdopt::adafactor_update(vq, fg, std::vector<double>(), std::vector<double>(), var, 0, 0, t, 0.01, -0.8, 0, 1e-3,
                                1, 0, false);
        plain.step(0, vp, fg);
    }
    CHECK(same_bits(fp, fq) && same_bits(vp, vq));
    CHECK((factored.slot_shape(0) == std::pair<std::size_t, std::size_t>{3, 4}) &&
          (plain.slot_shape(0) == std::pair<std::size_t, std::size_t>{0, 0}));
    CHECK_THROWS(GDOPT_ERR_SIZE, "row_var",
                 gdopt::adafactor_update(fq, fg, std::vector<double>(2), colv, std::vector<double>(), 3, 4, 1, 0.01,
                                         -0.8, 0, 1e-3, 1, 0, false));
    CHECK_THROWS(GDOPT_ERR_INVALID, "has state", factored.set_shape(0, 4, 3));

    // Clipping by the global norm, and the shuffle.
    std::vector<double> a{3, 0}, c{0, 4, 0};
    double *grads[] = {a.data(), c.data()};
    const std::size_t lens[] = {2, 3};
    CHECK(gdopt::clip_grad_norm(grads, lens, 2, 1.0) == 5.0);
    CHECK(std::fabs(a[0] - 3 / (5 + 1e-6)) < 1e-15 && std::fabs(c[1] - 4 / (5 + 1e-6)) < 1e-15);
    CHECK_THROWS(GDOPT_ERR_INVALID, "max_norm", gdopt::clip_grad_norm(grads, lens, 2, NAN));
    std::vector<std::size_t> perm(100), perm_c(100);
    gdopt::shuffle(7, 2, perm);
    gdopt_shuffle(7, 2, perm_c.data(), 100);
    std::vector<std::size_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::size_t> identity(100);
    std::iota(identity.begin(), identity.end(), 0);
    CHECK(perm == perm_c && sorted == identity && perm != identity);
    CHECK_THROWS(GDOPT_ERR_NULL, "perm", gdopt::shuffle(7, 2, std::vector<std::size_t>()));
}

static void test_gradcheck() {
    const std::vector<double> x{-1.2, 1.0, 0.5, 2.0};
    const gdopt::gradcheck_result r = gdopt::gradcheck(rosenbrock, x);
    CHECK(r.max_rel_error < 1e-6 && r.evaluations == 1 + 2 * x.size());
    std::vector<double> numeric(4), analytic(4);
    gdopt::numerical_gradient(rosenbrock, x.data(), 4, 1e-6, numeric.data());
    rosenbrock(gdopt::view<const double>(x.data(), 4), gdopt::view<double>(analytic.data(), 4));
    CHECK(std::fabs(numeric[0] - analytic[0]) < 1e-4 * std::fabs(analytic[0]));
    auto wrong = [](gdopt::view<const double> x, gdopt::view<double> grad) {
        for (std::size_t i = 0; i < grad.size(); i++) grad[i] = i == 2 ? NAN : 2 * x[i];
        return x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3];
    };
    CHECK_THROWS(GDOPT_ERR_NONFINITE, "", gdopt::gradcheck(wrong, x));
    CHECK_THROWS(GDOPT_ERR_INVALID, "h", gdopt::gradcheck(rosenbrock, x, -1.0));
    bool rethrown = false;
    try {
        gdopt::gradcheck([](gdopt::view<const double>, gdopt::view<double>) -> double { throw objective_failed{7}; },
                         x);
    } catch (const objective_failed &e) {
        rethrown = e.code == 7;
    }
    CHECK(rethrown);
}

static void test_solver() {
    // minimize: the same bits as the C call, and the known minimum.
    std::vector<double> x(10), xc(10);
    for (std::size_t i = 0; i < 10; i++) x[i] = xc[i] = i % 2 ? 1.0 : -1.2;
    gdopt::solver lbfgs("lbfgs", {{"gtol", 1e-8}});
    std::size_t iterations = 0;
    lbfgs.on_progress([&](const gdopt::progress &p) { return ++iterations, p.f < 0; });
    const gdopt::result r = lbfgs.minimize(rosenbrock, x);
    gdopt_solver *c = nullptr;
    gdopt_solver_create("lbfgs", &c);
    gdopt_solver_set(c, "gtol", 1e-8);
    gdopt_result rc;
    gdopt_solver_minimize(c, rosenbrock_c, nullptr, xc.data(), 10, &rc);
    CHECK(same_bits(x, xc) && r.iterations == rc.iterations && r.evaluations == rc.evaluations);
    CHECK(r.reason == GDOPT_CONVERGED_GTOL && iterations == r.iterations && std::fabs(x[0] - 1) < 1e-6);
    CHECK(lbfgs.get("gtol") == 1e-8);
    CHECK_THROWS(GDOPT_ERR_INVALID, "c2", lbfgs.set("c2", 2));
    CHECK_THROWS(GDOPT_ERR_INVALID, "nope", gdopt::solver("nope"));

    // An exception in the objective stops the run and reaches the caller unchanged; x is the best point.
    std::vector<double> y{3, 3};
    int calls = 0;
    bool rethrown = false;
    try {
        gdopt::minimize(
            [&](gdopt::view<const double> x, gdopt::view<double> g) {
                if (++calls == 5) throw objective_failed{42};
                return rosenbrock(x, g);
            },
            y);
    } catch (const objective_failed &e) {
        rethrown = e.code == 42;
    }
    CHECK(rethrown && calls == 5 && std::isfinite(y[0]) &&
          rosenbrock(gdopt::view<const double>(y.data(), 2), gdopt::view<double>()) <= 3604.0);
    // ... and so does one thrown by the progress callback.
    gdopt::solver gd("gd_linesearch");
    gd.on_progress([](const gdopt::progress &p) -> bool {
        if (p.iteration == 3) throw std::out_of_range("three");
        return false;
    });
    rethrown = false;
    try {
        gd.minimize(rosenbrock, y);
    } catch (const std::out_of_range &e) {
        rethrown = std::string(e.what()) == "three";
    }
    CHECK(rethrown);
    // A NaN objective is the library's CALLBACK error.
    CHECK_THROWS(GDOPT_ERR_CALLBACK, "",
                 gdopt::minimize([](gdopt::view<const double>, gdopt::view<double>) { return NAN; }, y));

    // Bounds (L-BFGS-B): the box [2, 3] x [-inf, 0.5] holds the minimiser.
    gdopt::solver boxed("lbfgs");
    boxed.set_bounds(std::vector<double>{2, -INFINITY}, std::vector<double>{3, 0.5});
    std::vector<double> z{2.5, 0};
    boxed.minimize(rosenbrock, z);
    CHECK(z[0] == 2 && std::fabs(z[1] - 0.5) < 1e-8);
    CHECK_THROWS(GDOPT_ERR_SIZE, "upper", boxed.set_bounds(std::vector<double>{1, 2}, std::vector<double>{3}));
    CHECK_THROWS(GDOPT_ERR_INVALID, "", boxed.set_bounds(std::vector<double>{4, 0}, std::vector<double>{3, 1}));
    boxed.set_bounds(std::vector<double>{}, std::vector<double>{0, 0});
    boxed.clear_bounds();
    std::vector<double> w{-1.2, 1};
    CHECK(boxed.minimize(rosenbrock, w).reason == GDOPT_CONVERGED_GTOL && std::fabs(w[0] - 1) < 1e-4);

    // Newton with the callable Hessian.
    gdopt::solver newton("newton");
    std::size_t hessians = 0;
    newton.on_hessian([&](gdopt::view<const double> x, gdopt::view<double> H) {
        hessians++;
        H[0] = 1200 * x[0] * x[0] - 400 * x[1] + 2;
        H[1] = H[2] = -400 * x[0];
        H[3] = 200;
    });
    std::vector<double> v{-1.2, 1};
    CHECK(newton.minimize(rosenbrock, v).reason == GDOPT_CONVERGED_GTOL && hessians > 0 && std::fabs(v[0] - 1) < 1e-6);
    newton.on_hessian([](gdopt::view<const double>, gdopt::view<double>) { throw objective_failed{3}; });
    rethrown = false;
    try {
        v = {-1.2, 1};
        newton.minimize(rosenbrock, v);
    } catch (const objective_failed &e) {
        rethrown = e.code == 3;
    }
    CHECK(rethrown && newton.native_handle() != nullptr);

    // Ask/tell as a plain loop: the same points as minimize, bit for bit, and no allocation.
    std::vector<double> a(10), g(10);
    for (std::size_t i = 0; i < 10; i++) a[i] = i % 2 ? 1.0 : -1.2;
    gdopt::solver rc_solver("lbfgs", {{"gtol", 1e-8}});
    rc_solver.begin(a);
    CHECK(rc_solver.dimension() == 10);
    std::vector<unsigned char> checkpoint;
    std::size_t evaluations = 0, allocated = 0;
    for (gdopt::task t; (t = rc_solver.ask(a)) != gdopt::task::done;) {
        if (t == gdopt::task::evaluate) {
            rc_solver.tell(rosenbrock(gdopt::view<const double>(a.data(), 10), gdopt::view<double>(g.data(), 10)), g);
            if (++evaluations == 10) {
                checkpoint = rc_solver.serialize();
                allocated = allocations;
            }
        }
    }
    CHECK(allocations == allocated);
    CHECK(same_bits(a, xc) && rc_solver.result().iterations == rc.iterations);
    CHECK_THROWS(GDOPT_ERR_STATE, "", rc_solver.tell(1.0, g));
    CHECK_THROWS(GDOPT_ERR_SIZE, "", rc_solver.ask(a.data(), 3));
    // The checkpoint taken mid-run continues to the same point in another solver.
    gdopt::solver resumed("lbfgs");
    resumed.deserialize(checkpoint);
    std::vector<double> b(10);
    for (gdopt::task t; (t = resumed.ask(b)) != gdopt::task::done;)
        if (t == gdopt::task::evaluate)
            resumed.tell(rosenbrock(gdopt::view<const double>(b.data(), 10), gdopt::view<double>(g.data(), 10)), g);
    CHECK(same_bits(b, xc));
    CHECK_THROWS(GDOPT_ERR_FORMAT, "", resumed.deserialize(checkpoint.data(), 10));
    rc_solver.save("build/cpp_test_solver.ckpt");
    gdopt::solver file_loaded("lbfgs");
    file_loaded.load("build/cpp_test_solver.ckpt");
    CHECK(file_loaded.get("gtol") == 1e-8);
    CHECK_THROWS(GDOPT_ERR_IO, "", file_loaded.load("build"));

    // Gradient-free tell, and stop.
    gdopt::solver random("random_search", {{"max_iter", 50}, {"seed", 3}});
    std::vector<double> s(2);
    random.begin(s);
    std::size_t samples = 0;
    for (gdopt::task t; (t = random.ask(s)) != gdopt::task::done;) {
        if (t == gdopt::task::evaluate) random.tell(s[0] * s[0] + s[1] * s[1]);
        if (t == gdopt::task::iterate && ++samples == 20) random.stop();
    }
    CHECK(random.result().reason == GDOPT_STOPPED_BY_CALLBACK && random.result().iterations == 20);
    CHECK_THROWS(GDOPT_ERR_STATE, "", gdopt::solver("lbfgs").stop());
    gdopt_solver_destroy(c);
}

static void test_schedule() {
    gdopt::schedule cosine("cosine", {{"base_lr", 0.1}, {"t_max", 10}});
    CHECK(cosine.get("t_max") == 10);
    for (std::uint64_t t = 0; t <= 10; t++)
        CHECK(std::fabs(cosine.lr(t) - 0.05 * (1 + std::cos(M_PI * t / 10))) < 1e-15);
    CHECK_THROWS(GDOPT_ERR_STATE, "", cosine.observe(1.0));
    CHECK_THROWS(GDOPT_ERR_INVALID, "t_max", cosine.set("t_max", 1.5));
    gdopt::schedule plateau("plateau", {{"base_lr", 1.0}, {"patience", 1}});
    plateau.observe(1.0);
    plateau.observe(1.0);
    plateau.observe(1.0);
    CHECK(std::fabs(plateau.lr(0) - 0.1) < 1e-15 && plateau.native_handle() != nullptr);
    CHECK_THROWS(GDOPT_ERR_INVALID, "", plateau.observe(NAN));
}

static void test_tape() {
    // loss = mean(relu(X W)) for X 2x3 and W 3x2: dloss/dW = X^T (relu'(XW)) / 4.
    const std::vector<float> X{1, 2, 3, -1, 0, 1}, W{0.5f, -1, 0.25f, 1, -0.5f, 0.5f};
    gdopt::tape t(GDOPT_F32);
    const gdopt::node x = t.constant(X, {2, 3}), w = t.variable(W, {3, 2});
    const gdopt::node y = t.binary(GDOPT_MATMUL, x, w), r = t.unary(GDOPT_RELU, y), loss = t.unary(GDOPT_MEAN, r);
    CHECK((t.shape(y) == std::vector<std::size_t>{2, 2}) && t.shape(loss).empty());
    t.backward(loss);
    float value = 0;
    t.value(loss, &value, 1);
    std::vector<float> grad(6), expected(6, 0.0f);
    t.grad(w, grad);
    float xw[4], mean = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            xw[2 * i + j] = 0;
            for (int k = 0; k < 3; k++) xw[2 * i + j] += X[3 * i + k] * W[2 * k + j];
            mean += std::max(xw[2 * i + j], 0.0f) / 4;
            for (int k = 0; k < 3; k++) expected[2 * k + j] += xw[2 * i + j] > 0 ? X[3 * i + k] / 4 : 0;
        }
    CHECK(std::fabs(value - mean) < 1e-6f && grad == expected);
    CHECK_THROWS(GDOPT_ERR_SIZE, "data", t.variable(std::vector<float>(5), {2, 3}));
    CHECK_THROWS(GDOPT_ERR_INVALID, "", t.variable(std::vector<double>(6), {2, 3}));
    CHECK_THROWS(GDOPT_ERR_SIZE, "", t.binary(GDOPT_MATMUL, w, w));
    CHECK_THROWS(GDOPT_ERR_SIZE, "", t.backward(y));

    // A loss, then replay with a new batch: the same value as recording it anew.
    const std::vector<std::int64_t> labels{1, 0}, labels2{0, 0};
    const gdopt::node ce = t.loss(GDOPT_SOFTMAX_CROSS_ENTROPY, y, labels);
    CHECK_THROWS(GDOPT_ERR_SIZE, "labels", t.loss(GDOPT_SOFTMAX_CROSS_ENTROPY, y, labels.data(), 1));
    CHECK_THROWS(GDOPT_ERR_INVALID, "", t.loss(GDOPT_SOFTMAX_CROSS_ENTROPY, y, std::vector<std::int64_t>{2, 0}));
    const std::vector<float> X2{0, 1, 0, 2, 1, -1};
    std::vector<float> g_replay(6);
    const gdopt::feed<float> feeds[] = {{x, X2.data(), nullptr, 6}, {w, nullptr, g_replay.data(), 6}};
    const gdopt_labels new_labels[] = {{ce, labels2.data(), 2}};
    const float replayed = t.replay<float>(ce, feeds, 2, new_labels, 1);
    gdopt::tape fresh(GDOPT_F32);
    const gdopt::node x2 = fresh.constant(X2, {2, 3}), w2 = fresh.variable(W.data(), {3, 2});
    const gdopt::node ce2 = fresh.loss(GDOPT_SOFTMAX_CROSS_ENTROPY, fresh.binary(GDOPT_MATMUL, x2, w2), labels2);
    fresh.backward(ce2);
    float recorded = 0;
    fresh.value(ce2, &recorded, 1);
    std::vector<float> g_fresh(6);
    fresh.grad(w2, g_fresh);
    CHECK(replayed == recorded && g_replay == g_fresh);
    const gdopt::feed<float> bad[] = {{y, X2.data(), nullptr, 6}};
    CHECK_THROWS(GDOPT_ERR_INVALID, "leaf", t.replay<float>(ce, bad, 1));
    t.clear();
    CHECK_THROWS(GDOPT_ERR_INVALID, "", t.shape(x));
    CHECK_THROWS(GDOPT_ERR_INVALID, "", gdopt::tape(static_cast<gdopt_dtype>(9)));
}

int main() {
    test_library();
    test_optimizer();
    test_kernels();
    test_gradcheck();
    test_solver();
    test_schedule();
    test_tape();
#ifdef __SANITIZE_ADDRESS__
    const char *build = ", ASan+UBSan";
#else
    const char *build = "";
#endif
    std::printf("gdopt.hpp (C++%ld%s): %d passed, %d failed\n", __cplusplus / 100 % 100, build, passed, failed);
    return failed == 0 ? 0 : 1;
}
