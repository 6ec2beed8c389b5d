/* Adam on f(p) = sum (p_i - i)^2, from C through the imported target gdopt::gdopt. */
#include <gdopt.h>
#include <math.h>
#include <stdio.h>

int main(void) {
    double p[5] = {0}, g[5];
    gdopt_optimizer *adam;
    if (gdopt_optimizer_create("adam", &adam) != GDOPT_OK || gdopt_optimizer_set(adam, "lr", 0.05) != GDOPT_OK)
        return 1;
    for (int step = 0; step < 2000; step++) {
        for (int i = 0; i < 5; i++) g[i] = 2 * (p[i] - i);
        if (gdopt_optimizer_step_f64(adam, 0, p, g, 5) != GDOPT_OK) return 1;
    }
    gdopt_optimizer_destroy(adam);
    double worst = 0;
    for (int i = 0; i < 5; i++) worst = fmax(worst, fabs(p[i] - i));
    printf("C: gdopt %s, adam max |p - target| = %.1e\n", gdopt_version(), worst);
    return worst < 1e-3 ? 0 : 1;
}
