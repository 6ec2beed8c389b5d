/* A small simulation code fits its own parameters with gdopt. The simulation is a damped
 * oscillator, x'' + 2 zeta omega x' + omega^2 x = 0, stepped by explicit Euler. The
 * "observations" are a run with the true parameters plus measurement noise; starting from a wrong guess, the
 * program fits (omega, zeta) by stepping its own parameter array with Adam, using the
 * gradient from gdopt's centred differences (the simulation has no derivative code) and
 * a cosine learning-rate schedule. Build: cc simulation_fit.c -lgdopt -lm */
#include <gdopt.h>
#include <math.h>
#include <stdio.h>

enum { STEPS = 1000, EVERY = 10, OBSERVATIONS = STEPS / EVERY };
static const double DT = 0.01;

/* The caller-owned parameter array the simulation code already has. */
typedef struct {
    double omega, zeta;
} oscillator;

/* Runs the simulation from x = 1, v = 0 and records x every EVERY steps. */
static void simulate(const oscillator *p, double *observed) {
    double x = 1, v = 0;
    for (int step = 1; step <= STEPS; step++) {
        double a = -2 * p->zeta * p->omega * v - p->omega * p->omega * x;
        x += DT * v;
        v += DT * a;
        if (step % EVERY == 0) observed[step / EVERY - 1] = x;
    }
}

/* Measurement noise, uniform in [-0.01, 0.01], from a fixed linear congruential sequence. */
static double noise(void) {
    static uint64_t state = 12345;
    state = state * 6364136223846793005u + 1442695040888963407u;
    return ((double)(state >> 11) / 9007199254740992.0 * 2 - 1) * 0.01;
}

/* The misfit: mean squared difference from the observations (data). */
static double misfit(size_t n, const double *params, double *grad, void *data) {
    (void)n, (void)grad; /* gdopt_numerical_gradient only asks for values */
    const double *observations = data;
    double run[OBSERVATIONS], sum = 0;
    simulate(&(oscillator){params[0], params[1]}, run);
    for (int i = 0; i < OBSERVATIONS; i++) sum += (run[i] - observations[i]) * (run[i] - observations[i]);
    return sum / OBSERVATIONS;
}

static int failed(const char *what) {
    fprintf(stderr, "%s: %s\n", what, gdopt_last_error());
    return 1;
}

int main(void) {
    const oscillator truth = {2.0, 0.15};
    double observations[OBSERVATIONS];
    simulate(&truth, observations);
    for (int i = 0; i < OBSERVATIONS; i++) observations[i] += noise();

    oscillator fit = {1.6, 0.4}; /* the first guess */
    double *params = &fit.omega, grad[2];
    enum { FIT_STEPS = 300 };
    gdopt_optimizer *adam;
    gdopt_schedule *cosine;
    if (gdopt_optimizer_create("adam", &adam) != GDOPT_OK) return failed("optimizer");
    if (gdopt_schedule_create("cosine", &cosine) != GDOPT_OK ||
        gdopt_schedule_set(cosine, "base_lr", 0.02) != GDOPT_OK ||
        gdopt_schedule_set(cosine, "t_max", FIT_STEPS) != GDOPT_OK)
        return failed("schedule");
    printf("first guess: omega %.4f, zeta %.4f, misfit %.3e\n", fit.omega, fit.zeta,
           misfit(2, params, NULL, observations));
    for (uint64_t step = 0; step < FIT_STEPS; step++) {
        double lr;
        if (gdopt_numerical_gradient(misfit, observations, params, 2, 1e-6, grad) != GDOPT_OK)
            return failed("gradient");
        if (gdopt_schedule_lr(cosine, step, &lr) != GDOPT_OK || gdopt_optimizer_set(adam, "lr", lr) != GDOPT_OK)
            return failed("learning rate");
        if (gdopt_optimizer_step_f64(adam, 0, params, grad, 2) != GDOPT_OK) return failed("step");
        if ((step + 1) % 50 == 0)
            printf("step %4llu: omega %.4f, zeta %.4f, misfit %.3e\n", (unsigned long long)step + 1, fit.omega,
                   fit.zeta, misfit(2, params, NULL, observations));
    }
    gdopt_schedule_destroy(cosine);
    gdopt_optimizer_destroy(adam);
    printf("fitted omega = %.6f (true %.6f), zeta = %.6f (true %.6f)\n", fit.omega, truth.omega, fit.zeta, truth.zeta);
    double error = fmax(fabs(fit.omega / truth.omega - 1), fabs(fit.zeta / truth.zeta - 1));
    printf("largest relative error %.2e\n", error);
    return error < 0.01 ? 0 : 1;
}
