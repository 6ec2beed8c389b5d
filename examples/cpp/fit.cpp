// Fits the four rates of a predator-prey model (Lotka-Volterra) to noisy observations with
// L-BFGS-B from C++: the objective is a lambda over the simulation, bounds keep the rates
// positive, and the solver differences the gradient (finite_differences = 1), as a code
// whose simulation gives no gradient would. A second run shows an exception thrown inside
// the objective reaching the caller unchanged, with x holding the best point seen.
//
// Build: c++ -std=c++17 fit.cpp -lgdopt   (see the README; CMake: target gdopt::gdopt)
#include <gdopt.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

using rates = std::array<double, 4>; // alpha, beta, gamma, delta
constexpr double dt = 0.01;
constexpr int steps_per_observation = 50, observations = 30;

// prey' = alpha prey - beta prey predators, predators' = delta prey predators - gamma predators
std::array<double, 2> derivative(const double *k, const std::array<double, 2> &z) {
    return {k[0] * z[0] - k[1] * z[0] * z[1], k[3] * z[0] * z[1] - k[2] * z[1]};
}

// Classical Runge-Kutta from (10, 5); the state at every observation time.
std::vector<std::array<double, 2>> simulate(const double *k) {
    std::vector<std::array<double, 2>> out;
    std::array<double, 2> z{10, 5};
    for (int o = 0; o < observations; o++) {
        for (int s = 0; s < steps_per_observation; s++) {
            auto shifted = [&](const std::array<double, 2> &d, double h) {
                return std::array<double, 2>{z[0] + h * d[0], z[1] + h * d[1]};
            };
            const auto k1 = derivative(k, z), k2 = derivative(k, shifted(k1, dt / 2));
            const auto k3 = derivative(k, shifted(k2, dt / 2)), k4 = derivative(k, shifted(k3, dt));
            for (int i = 0; i < 2; i++) z[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        out.push_back(z);
    }
    return out;
}

struct budget_exceeded : std::runtime_error {
    using std::runtime_error::runtime_error;
};

} // namespace

int main() {
    const rates truth{1.1, 0.4, 0.4, 0.1};
    auto observed = simulate(truth.data());
    std::mt19937_64 generator(42);
    std::normal_distribution<double> noise(0.0, 0.01); // 1% relative noise
    for (auto &z : observed)
        for (double &v : z) v *= 1 + noise(generator);

    // Relative squared misfit; grad is empty: the solver differences f.
    auto misfit = [&](gdopt::view<const double> k, gdopt::view<double>) {
        const auto model = simulate(k.data());
        double f = 0;
        for (int o = 0; o < observations; o++)
            for (int i = 0; i < 2; i++) f += std::pow((model[o][i] - observed[o][i]) / observed[o][i], 2);
        return 0.5 * f;
    };

    gdopt::solver lbfgs("lbfgs", {{"finite_differences", 1}, {"max_iter", 500}});
    lbfgs.set_bounds(std::vector<double>(4, 0.01), std::vector<double>(4, 3.0));
    rates k{0.8, 0.3, 0.6, 0.15};
    const gdopt::result r = lbfgs.minimize(misfit, k);
    std::printf("L-BFGS-B: reason %d after %zu iterations and %zu evaluations, misfit %.4e, max|g| %.1e\n", r.reason,
                r.iterations, r.evaluations, r.f, r.grad_norm);
    const char *names[] = {"alpha", "beta", "gamma", "delta"};
    for (int i = 0; i < 4; i++) std::printf("fitted %s = %.5f (true %.5f)\n", names[i], k[i], truth[i]);

    // The same fit with an evaluation budget that the objective enforces by throwing.
    rates started{0.8, 0.3, 0.6, 0.15};
    int evaluations = 0;
    const int budget = 100;
    try {
        lbfgs.minimize(
            [&](gdopt::view<const double> x, gdopt::view<double> grad) {
                if (++evaluations > budget) throw budget_exceeded("the budget of 100 simulations is spent");
                return misfit(x, grad);
            },
            started);
        std::printf("no exception: the budget was not reached\n");
        return 1;
    } catch (const budget_exceeded &e) {
        const double best = misfit(gdopt::view<const double>(started.data(), 4), gdopt::view<double>());
        std::printf("caught budget_exceeded: \"%s\"; x is the best point seen (misfit %.4e, from %.4e)\n", e.what(),
                    best, misfit(gdopt::view<const double>(rates{0.8, 0.3, 0.6, 0.15}.data(), 4), {}));
    }
    return 0;
}
