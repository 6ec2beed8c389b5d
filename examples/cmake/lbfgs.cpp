// L-BFGS on a 2-D quadratic bowl from C++ through the imported target gdopt::gdopt.
#include <gdopt.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
    std::vector<double> x{3, -4};
    const gdopt::result r = gdopt::minimize(
        [](gdopt::view<const double> x, gdopt::view<double> g) {
            if (!g.empty()) {
                g[0] = 2 * (x[0] - 1);
                g[1] = 20 * (x[1] + 2);
            }
            return (x[0] - 1) * (x[0] - 1) + 10 * (x[1] + 2) * (x[1] + 2);
        },
        x);
    std::printf("C++: lbfgs reason %d, x = (%.6f, %.6f)\n", r.reason, x[0], x[1]);
    return std::fabs(x[0] - 1) < 1e-6 && std::fabs(x[1] + 2) < 1e-6 ? 0 : 1;
}
