/*
 * gdopt.hpp — header-only C++17 interface to gdopt, over the C ABI of gdopt.h (API.md §12).
 *
 *  - Handles: gdopt::optimizer, gdopt::solver, gdopt::tape and gdopt::schedule own one C
 *    handle each. They are move-only; a moved-from object holds no handle, and its calls
 *    throw gdopt::error with GDOPT_ERR_NULL. native_handle() gives the C handle to mix
 *    with gdopt.h's calls.
 *  - Errors: every failed call throws gdopt::error (a std::runtime_error) carrying the
 *    status and gdopt_last_error()'s message. The C layer's guarantee holds: after a
 *    throw, the buffers and the handle are as they were. Checks that only this header
 *    can make (two containers of different sizes, data that does not fill a shape) throw
 *    GDOPT_ERR_SIZE before any C call.
 *  - Arrays: every call that takes an array takes pointer + size, or any contiguous
 *    container with std::data and std::size: std::vector, std::array, and under C++20
 *    std::span. float and double select the _f32 and _f64 functions.
 *  - Callbacks (objective, progress, Hessian) are any callable. The objective has the form
 *        double f(gdopt::view<const double> x, gdopt::view<double> grad)
 *    where grad is empty when no gradient is wanted; gdopt::view is std::span under C++20
 *    and a minimal pointer + size view under C++17. Nothing is copied per call.
 *    No exception crosses a C frame: a trampoline catches it, ends the run (the objective
 *    returns NaN, the progress callback asks to stop) and the exception is rethrown,
 *    unchanged, when the C call has returned, as nlopt.hpp does. x then holds the best
 *    point seen.
 *  - Steps, kernels and ask/tell allocate nothing; vectors are returned only by the calls
 *    that list (kinds, slots, shapes) or serialize.
 *  - Threads: as gdopt.h. One object must not be used by two threads at once.
 */
#ifndef GDOPT_HPP
#define GDOPT_HPP

#include "gdopt.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if __cplusplus >= 202002L && __has_include(<span>)
#include <span>
#define GDOPT_HPP_SPAN 1
#endif

namespace gdopt {

/* A failed gdopt call: what() is the library's message, status() its gdopt_status. */
class error : public std::runtime_error {
  public:
    error(gdopt_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
    gdopt_status status() const noexcept { return status_; }
    const char *status_name() const noexcept { return gdopt_status_name(status_); }

  private:
    gdopt_status status_;
};

#ifdef GDOPT_HPP_SPAN
template <class T> using view = std::span<T>;
#else
/* The C++17 stand-in for std::span: a pointer and a size, nothing owned. */
template <class T> class view {
  public:
    constexpr view() noexcept = default;
    constexpr view(T *data, std::size_t size) noexcept : data_(data), size_(size) {}
    constexpr T *data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr T &operator[](std::size_t i) const noexcept { return data_[i]; }
    constexpr T *begin() const noexcept { return data_; }
    constexpr T *end() const noexcept { return data_ + size_; }

  private:
    T *data_ = nullptr;
    std::size_t size_ = 0;
};
#endif

using node = gdopt_node;
using result = gdopt_result;
using progress = gdopt_progress;
using slot_info = gdopt_slot_info;
using param_info = gdopt_param_info;
using gradcheck_result = gdopt_gradcheck_result;

enum class task : gdopt_task { evaluate = GDOPT_TASK_EVALUATE, iterate = GDOPT_TASK_ITERATE, done = GDOPT_TASK_DONE };

namespace detail {

inline void check(gdopt_status status) {
    if (status != GDOPT_OK) throw error(status, gdopt_last_error());
}

inline void same_size(const char *call, const char *what, std::size_t expected, std::size_t got) {
    if (expected != got)
        throw error(GDOPT_ERR_SIZE, std::string(call) + ": " + what + " has " + std::to_string(got) +
                                        " elements, expected " + std::to_string(expected));
}

/* The element type of a contiguous container, and whether C is one. */
template <class C> using element_t = std::remove_pointer_t<decltype(std::data(std::declval<C &>()))>;
template <class C, class = void> struct is_contiguous : std::false_type {};
template <class C>
struct is_contiguous<C, std::void_t<decltype(std::data(std::declval<C &>())), decltype(std::size(std::declval<C &>()))>>
    : std::true_type {};
template <class C> constexpr bool contiguous_v = is_contiguous<std::remove_reference_t<C>>::value;

/* The _f32 / _f64 functions of one call, chosen by the element type. */
template <class T> struct c_api;
template <> struct c_api<float> {
    static constexpr gdopt_dtype dtype = GDOPT_F32;
    using feed = gdopt_feed_f32;
    static constexpr auto optimizer_step = gdopt_optimizer_step_f32;
    static constexpr auto optimizer_check = gdopt_optimizer_check_f32;
    static constexpr auto state_get = gdopt_optimizer_state_get_f32;
    static constexpr auto state_set = gdopt_optimizer_state_set_f32;
    static constexpr auto sgd_update = gdopt_sgd_update_f32;
    static constexpr auto adagrad_update = gdopt_adagrad_update_f32;
    static constexpr auto rmsprop_update = gdopt_rmsprop_update_f32;
    static constexpr auto adam_update = gdopt_adam_update_f32;
    static constexpr auto lion_update = gdopt_lion_update_f32;
    static constexpr auto adamax_update = gdopt_adamax_update_f32;
    static constexpr auto adadelta_update = gdopt_adadelta_update_f32;
    static constexpr auto rprop_update = gdopt_rprop_update_f32;
    static constexpr auto nadam_update = gdopt_nadam_update_f32;
    static constexpr auto radam_update = gdopt_radam_update_f32;
    static constexpr auto asgd_update = gdopt_asgd_update_f32;
    static constexpr auto adafactor_update = gdopt_adafactor_update_f32;
    static constexpr auto clip_grad_norm = gdopt_clip_grad_norm_f32;
    static constexpr auto tape_variable = gdopt_tape_variable_f32;
    static constexpr auto tape_constant = gdopt_tape_constant_f32;
    static constexpr auto tape_value = gdopt_tape_value_f32;
    static constexpr auto tape_grad = gdopt_tape_grad_f32;
    static constexpr auto tape_replay = gdopt_tape_replay_f32;
};
template <> struct c_api<double> {
    static constexpr gdopt_dtype dtype = GDOPT_F64;
    using feed = gdopt_feed_f64;
    static constexpr auto optimizer_step = gdopt_optimizer_step_f64;
    static constexpr auto optimizer_check = gdopt_optimizer_check_f64;
    static constexpr auto state_get = gdopt_optimizer_state_get_f64;
    static constexpr auto state_set = gdopt_optimizer_state_set_f64;
    static constexpr auto sgd_update = gdopt_sgd_update_f64;
    static constexpr auto adagrad_update = gdopt_adagrad_update_f64;
    static constexpr auto rmsprop_update = gdopt_rmsprop_update_f64;
    static constexpr auto adam_update = gdopt_adam_update_f64;
    static constexpr auto lion_update = gdopt_lion_update_f64;
    static constexpr auto adamax_update = gdopt_adamax_update_f64;
    static constexpr auto adadelta_update = gdopt_adadelta_update_f64;
    static constexpr auto rprop_update = gdopt_rprop_update_f64;
    static constexpr auto nadam_update = gdopt_nadam_update_f64;
    static constexpr auto radam_update = gdopt_radam_update_f64;
    static constexpr auto asgd_update = gdopt_asgd_update_f64;
    static constexpr auto adafactor_update = gdopt_adafactor_update_f64;
    static constexpr auto clip_grad_norm = gdopt_clip_grad_norm_f64;
    static constexpr auto tape_variable = gdopt_tape_variable_f64;
    static constexpr auto tape_constant = gdopt_tape_constant_f64;
    static constexpr auto tape_value = gdopt_tape_value_f64;
    static constexpr auto tape_grad = gdopt_tape_grad_f64;
    static constexpr auto tape_replay = gdopt_tape_replay_f64;
};

/* An optional state buffer of a kernel: an empty container stands for NULL. */
template <class C> auto optional_data(C &buffer, std::size_t n, const char *call, const char *what) {
    if (std::size(buffer) == 0) return static_cast<decltype(std::data(buffer))>(nullptr);
    same_size(call, what, n, std::size(buffer));
    return std::data(buffer);
}

/* The C functions of each handle type, for the bases below. */
template <class H> struct handle_api;
template <> struct handle_api<gdopt_optimizer> {
    static constexpr auto create = gdopt_optimizer_create;
    static constexpr auto destroy = gdopt_optimizer_destroy;
    static constexpr auto set = gdopt_optimizer_set;
    static constexpr auto get = gdopt_optimizer_get;
    static constexpr auto save = gdopt_optimizer_save;
    static constexpr auto load = gdopt_optimizer_load;
    static constexpr auto serialize = gdopt_optimizer_serialize;
    static constexpr auto deserialize = gdopt_optimizer_deserialize;
};
template <> struct handle_api<gdopt_solver> {
    static constexpr auto create = gdopt_solver_create;
    static constexpr auto destroy = gdopt_solver_destroy;
    static constexpr auto set = gdopt_solver_set;
    static constexpr auto get = gdopt_solver_get;
    static constexpr auto save = gdopt_solver_save;
    static constexpr auto load = gdopt_solver_load;
    static constexpr auto serialize = gdopt_solver_serialize;
    static constexpr auto deserialize = gdopt_solver_deserialize;
};
template <> struct handle_api<gdopt_schedule> {
    static constexpr auto create = gdopt_schedule_create;
    static constexpr auto destroy = gdopt_schedule_destroy;
    static constexpr auto set = gdopt_schedule_set;
    static constexpr auto get = gdopt_schedule_get;
};
template <> struct handle_api<gdopt_tape> {
    static constexpr auto destroy = gdopt_tape_destroy;
};

template <class H> struct destroyer {
    void operator()(H *h) const noexcept { handle_api<H>::destroy(h); }
};
template <class H> using owner = std::unique_ptr<H, destroyer<H>>;

using settings = std::initializer_list<std::pair<const char *, double>>;

/* Owns a handle created by name, with named parameters: set(name, value) and get(name). */
template <class Self, class H> class named {
  public:
    Self &set(const char *name, double value) {
        check(handle_api<H>::set(handle_.get(), name, value));
        return static_cast<Self &>(*this);
    }
    double get(const char *name) const {
        double value = 0;
        check(handle_api<H>::get(handle_.get(), name, &value));
        return value;
    }
    H *native_handle() const noexcept { return handle_.get(); }

  protected:
    named(const char *name, settings values) {
        H *raw = nullptr;
        check(handle_api<H>::create(name, &raw));
        handle_.reset(raw);
        for (const auto &value : values) set(value.first, value.second);
    }
    owner<H> handle_;
};

/* A named handle whose state is saved and restored: files (crash-safe) and bytes. */
template <class Self, class H> class checkpointed : public named<Self, H> {
  public:
    void save(const std::string &path) const { check(handle_api<H>::save(this->handle_.get(), path.c_str())); }
    void load(const std::string &path) { check(handle_api<H>::load(this->handle_.get(), path.c_str())); }
    /* The checkpoint's size; written into buf when it has room (cap >= the size). */
    std::size_t serialize(void *buf, std::size_t cap) const {
        std::size_t needed = 0;
        check(handle_api<H>::serialize(this->handle_.get(), buf, cap, &needed));
        return needed;
    }
    std::vector<unsigned char> serialize() const {
        std::vector<unsigned char> bytes(serialize(nullptr, 0));
        serialize(bytes.data(), bytes.size());
        return bytes;
    }
    void deserialize(const void *buf, std::size_t len) {
        check(handle_api<H>::deserialize(this->handle_.get(), buf, len));
    }
    template <class C, class = std::enable_if_t<contiguous_v<C>>> void deserialize(const C &bytes) {
        deserialize(std::data(bytes), std::size(bytes) * sizeof(element_t<const C>));
    }

  protected:
    using named<Self, H>::named;
};

/* Turns a table call into a vector of names. */
template <class Lister, class... Args> std::vector<std::string> names(Lister list, Args... args) {
    const char *const *table = nullptr;
    std::size_t count = 0;
    check(list(args..., &table, &count));
    return std::vector<std::string>(table, table + count);
}
template <class Lister> std::vector<param_info> params(Lister list, const char *name) {
    const param_info *table = nullptr;
    std::size_t count = 0;
    check(list(name, &table, &count));
    return std::vector<param_info>(table, table + count);
}

/* The objective's trampoline: the callable runs inside the C call, and what it throws is
 * kept here and rethrown by rethrow_or_check once the C call has returned. */
template <class F> struct objective_call {
    F &f;
    std::exception_ptr failure;
    static double call(std::size_t n, const double *x, double *grad, void *data) noexcept {
        auto *self = static_cast<objective_call *>(data);
        try {
            return static_cast<double>(
                self->f(view<const double>(x, n), grad ? view<double>(grad, n) : view<double>()));
        } catch (...) {
            self->failure = std::current_exception();
            return std::numeric_limits<double>::quiet_NaN(); // NaN ends the run (GDOPT_ERR_CALLBACK)
        }
    }
};

inline void rethrow_or_check(std::exception_ptr &failure, gdopt_status status) {
    if (failure) {
        std::exception_ptr caught = std::move(failure);
        failure = nullptr;
        std::rethrow_exception(caught);
    }
    check(status);
}

} // namespace detail

/* ---- Library --------------------------------------------------------------------------- */

inline std::string version() {
    return gdopt_version();
}
inline int abi_version() noexcept {
    return gdopt_abi_version();
}
inline std::string build_info() {
    return gdopt_build_info();
}
inline void set_num_threads(int k) {
    detail::check(gdopt_set_num_threads(k));
}

inline std::vector<std::string> optimizer_kinds() {
    return detail::names(gdopt_optimizer_kinds);
}
inline std::vector<param_info> optimizer_params(const char *kind) {
    return detail::params(gdopt_optimizer_params, kind);
}
inline std::vector<std::string> optimizer_state_names(const char *kind) {
    return detail::names(gdopt_optimizer_state_names, kind);
}
inline std::vector<std::string> optimizer_scalar_names(const char *kind) {
    return detail::names(gdopt_optimizer_scalar_names, kind);
}
inline std::vector<std::string> schedule_kinds() {
    return detail::names(gdopt_schedule_kinds);
}
inline std::vector<param_info> schedule_params(const char *kind) {
    return detail::params(gdopt_schedule_params, kind);
}
inline std::vector<std::string> solver_methods() {
    return detail::names(gdopt_solver_methods);
}
inline std::vector<param_info> solver_params(const char *method) {
    return detail::params(gdopt_solver_params, method);
}

/* ---- Optimizers ------------------------------------------------------------------------ */

/* A torch.optim-style optimizer over caller-owned buffers, e.g.
 *     gdopt::optimizer adam("adam", {{"lr", 1e-2}, {"weight_decay", 1e-4}});
 *     adam.step(0, weights, grads);   // slot 0 */
class optimizer : public detail::checkpointed<optimizer, gdopt_optimizer> {
  public:
    explicit optimizer(const char *kind, detail::settings settings = {}) : checkpointed(kind, settings) {}
    explicit optimizer(const std::string &kind, detail::settings settings = {}) : optimizer(kind.c_str(), settings) {}

    template <class T> void step(std::size_t slot, T *params, const T *grads, std::size_t n) {
        detail::check(detail::c_api<T>::optimizer_step(handle_.get(), slot, params, grads, n));
    }
    template <class P, class G, class = std::enable_if_t<detail::contiguous_v<P> && detail::contiguous_v<G>>>
    void step(std::size_t slot, P &&params, const G &grads) {
        detail::same_size("gdopt::optimizer::step", "grads", std::size(params), std::size(grads));
        step(slot, std::data(params), std::data(grads), std::size(params));
    }

    /* The checks of step without the step (gdopt_optimizer_check_*). */
    template <class T> void check(std::size_t slot, const T *params, const T *grads, std::size_t n) const {
        detail::check(detail::c_api<T>::optimizer_check(handle_.get(), slot, params, grads, n));
    }
    template <class P, class G, class = std::enable_if_t<detail::contiguous_v<P> && detail::contiguous_v<G>>>
    void check(std::size_t slot, const P &params, const G &grads) const {
        detail::same_size("gdopt::optimizer::check", "grads", std::size(params), std::size(grads));
        check(slot, std::data(params), std::data(grads), std::size(params));
    }

    void reset() { detail::check(gdopt_optimizer_reset(handle_.get())); }

    std::vector<std::size_t> slots() const {
        std::size_t count = 0;
        detail::check(gdopt_optimizer_slots(handle_.get(), nullptr, 0, &count));
        std::vector<std::size_t> ids(count);
        if (count > 0) detail::check(gdopt_optimizer_slots(handle_.get(), ids.data(), ids.size(), &count));
        return ids;
    }
    slot_info info(std::size_t slot) const {
        slot_info out{};
        detail::check(gdopt_optimizer_slot_info(handle_.get(), slot, &out));
        return out;
    }
    template <class T> void state_get(std::size_t slot, const char *name, T *out, std::size_t n) const {
        detail::check(detail::c_api<T>::state_get(handle_.get(), slot, name, out, n));
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>>
    void state_get(std::size_t slot, const char *name, C &&out) const {
        state_get(slot, name, std::data(out), std::size(out));
    }
    template <class T>
    void state_set(std::size_t slot, std::uint64_t step, std::size_t n, const char *const *names,
                   const T *const *buffers, std::size_t count) {
        detail::check(detail::c_api<T>::state_set(handle_.get(), slot, step, n, names, buffers, count));
    }
    /* NAdam's mu_product, ASGD's eta and mu (optimizer_scalar_names). */
    double scalar_get(std::size_t slot, const char *name) const {
        double value = 0;
        detail::check(gdopt_optimizer_scalar_get(handle_.get(), slot, name, &value));
        return value;
    }
    void scalar_set(std::size_t slot, const char *name, double value) {
        detail::check(gdopt_optimizer_scalar_set(handle_.get(), slot, name, value));
    }
    /* A slot's rows x cols shape, before its first step (adafactor factors its state). */
    void set_shape(std::size_t slot, std::size_t rows, std::size_t cols) {
        detail::check(gdopt_optimizer_set_shape(handle_.get(), slot, rows, cols));
    }
    /* The slot's factored shape, {0, 0} when not factored. */
    std::pair<std::size_t, std::size_t> slot_shape(std::size_t slot) const {
        std::size_t rows = 0, cols = 0;
        detail::check(gdopt_optimizer_slot_shape(handle_.get(), slot, &rows, &cols));
        return {rows, cols};
    }
};

/* ---- Stateless kernels (gdopt.h's equations; empty containers stand for NULL buffers) -- */

template <class T>
void sgd_update(T *p, const T *g, T *momentum_buf, std::size_t n, std::uint64_t t, double lr, double momentum,
                double dampening, double weight_decay, bool nesterov, bool maximize) {
    detail::check(detail::c_api<T>::sgd_update(p, g, momentum_buf, n, t, lr, momentum, dampening, weight_decay,
                                               nesterov, maximize));
}
template <class P, class G, class B, class = std::enable_if_t<detail::contiguous_v<P>>>
void sgd_update(P &&p, const G &g, B &&momentum_buf, std::uint64_t t, double lr, double momentum, double dampening,
                double weight_decay, bool nesterov, bool maximize) {
    const std::size_t n = std::size(p);
    detail::same_size("gdopt::sgd_update", "g", n, std::size(g));
    sgd_update(std::data(p), std::data(g), detail::optional_data(momentum_buf, n, "gdopt::sgd_update", "momentum_buf"),
               n, t, lr, momentum, dampening, weight_decay, nesterov, maximize);
}

template <class T>
void adagrad_update(T *p, const T *g, T *sum, std::size_t n, std::uint64_t t, double lr, double lr_decay,
                    double weight_decay, double eps, bool maximize) {
    detail::check(detail::c_api<T>::adagrad_update(p, g, sum, n, t, lr, lr_decay, weight_decay, eps, maximize));
}
template <class P, class G, class S, class = std::enable_if_t<detail::contiguous_v<P>>>
void adagrad_update(P &&p, const G &g, S &&sum, std::uint64_t t, double lr, double lr_decay, double weight_decay,
                    double eps, bool maximize) {
    const std::size_t n = std::size(p);
    detail::same_size("gdopt::adagrad_update", "g", n, std::size(g));
    detail::same_size("gdopt::adagrad_update", "sum", n, std::size(sum));
    adagrad_update(std::data(p), std::data(g), std::data(sum), n, t, lr, lr_decay, weight_decay, eps, maximize);
}

template <class T>
void rmsprop_update(T *p, const T *g, T *square_avg, T *grad_avg, T *momentum_buf, std::size_t n, double lr,
                    double alpha, double eps, double weight_decay, double momentum, bool centered, bool maximize) {
    detail::check(detail::c_api<T>::rmsprop_update(p, g, square_avg, grad_avg, momentum_buf, n, lr, alpha, eps,
                                                   weight_decay, momentum, centered, maximize));
}
template <class P, class G, class S, class A, class B, class = std::enable_if_t<detail::contiguous_v<P>>>
void rmsprop_update(P &&p, const G &g, S &&square_avg, A &&grad_avg, B &&momentum_buf, double lr, double alpha,
                    double eps, double weight_decay, double momentum, bool centered, bool maximize) {
    const char *call = "gdopt::rmsprop_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    detail::same_size(call, "square_avg", n, std::size(square_avg));
    rmsprop_update(std::data(p), std::data(g), std::data(square_avg),
                   detail::optional_data(grad_avg, n, call, "grad_avg"),
                   detail::optional_data(momentum_buf, n, call, "momentum_buf"), n, lr, alpha, eps, weight_decay,
                   momentum, centered, maximize);
}

/* flags: GDOPT_ADAM_DECOUPLED | GDOPT_ADAM_AMSGRAD | GDOPT_ADAM_MAXIMIZE. */
template <class T>
void adam_update(T *p, const T *g, T *m, T *v, T *vmax, std::size_t n, std::uint64_t t, double lr, double beta1,
                 double beta2, double eps, double weight_decay, int flags) {
    detail::check(detail::c_api<T>::adam_update(p, g, m, v, vmax, n, t, lr, beta1, beta2, eps, weight_decay, flags));
}
template <class P, class G, class M, class V, class X, class = std::enable_if_t<detail::contiguous_v<P>>>
void adam_update(P &&p, const G &g, M &&m, V &&v, X &&vmax, std::uint64_t t, double lr, double beta1, double beta2,
                 double eps, double weight_decay, int flags) {
    const char *call = "gdopt::adam_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    detail::same_size(call, "m", n, std::size(m));
    detail::same_size(call, "v", n, std::size(v));
    adam_update(std::data(p), std::data(g), std::data(m), std::data(v), detail::optional_data(vmax, n, call, "vmax"), n,
                t, lr, beta1, beta2, eps, weight_decay, flags);
}

template <class T>
void lion_update(T *p, const T *g, T *exp_avg, std::size_t n, double lr, double beta1, double beta2,
                 double weight_decay, bool maximize) {
    detail::check(detail::c_api<T>::lion_update(p, g, exp_avg, n, lr, beta1, beta2, weight_decay, maximize));
}
template <class P, class G, class M, class = std::enable_if_t<detail::contiguous_v<P>>>
void lion_update(P &&p, const G &g, M &&exp_avg, double lr, double beta1, double beta2, double weight_decay,
                 bool maximize) {
    const std::size_t n = std::size(p);
    detail::same_size("gdopt::lion_update", "g", n, std::size(g));
    detail::same_size("gdopt::lion_update", "exp_avg", n, std::size(exp_avg));
    lion_update(std::data(p), std::data(g), std::data(exp_avg), n, lr, beta1, beta2, weight_decay, maximize);
}

template <class T>
void adamax_update(T *p, const T *g, T *exp_avg, T *exp_inf, std::size_t n, std::uint64_t t, double lr, double beta1,
                   double beta2, double eps, double weight_decay, bool maximize) {
    detail::check(
        detail::c_api<T>::adamax_update(p, g, exp_avg, exp_inf, n, t, lr, beta1, beta2, eps, weight_decay, maximize));
}
template <class P, class G, class M, class U, class = std::enable_if_t<detail::contiguous_v<P>>>
void adamax_update(P &&p, const G &g, M &&exp_avg, U &&exp_inf, std::uint64_t t, double lr, double beta1, double beta2,
                   double eps, double weight_decay, bool maximize) {
    const char *call = "gdopt::adamax_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    detail::same_size(call, "exp_avg", n, std::size(exp_avg));
    detail::same_size(call, "exp_inf", n, std::size(exp_inf));
    adamax_update(std::data(p), std::data(g), std::data(exp_avg), std::data(exp_inf), n, t, lr, beta1, beta2, eps,
                  weight_decay, maximize);
}

template <class T>
void adadelta_update(T *p, const T *g, T *square_avg, T *acc_delta, std::size_t n, double lr, double rho, double eps,
                     double weight_decay, bool maximize) {
    detail::check(
        detail::c_api<T>::adadelta_update(p, g, square_avg, acc_delta, n, lr, rho, eps, weight_decay, maximize));
}
template <class P, class G, class S, class A, class = std::enable_if_t<detail::contiguous_v<P>>>
void adadelta_update(P &&p, const G &g, S &&square_avg, A &&acc_delta, double lr, double rho, double eps,
                     double weight_decay, bool maximize) {
    const char *call = "gdopt::adadelta_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    detail::same_size(call, "square_avg", n, std::size(square_avg));
    detail::same_size(call, "acc_delta", n, std::size(acc_delta));
    adadelta_update(std::data(p), std::data(g), std::data(square_avg), std::data(acc_delta), n, lr, rho, eps,
                    weight_decay, maximize);
}

/* Start prev at 0 and step_size at the learning rate. */
template <class T>
void rprop_update(T *p, const T *g, T *prev, T *step_size, std::size_t n, double eta_minus, double eta_plus,
                  double step_size_min, double step_size_max, bool maximize) {
    detail::check(detail::c_api<T>::rprop_update(p, g, prev, step_size, n, eta_minus, eta_plus, step_size_min,
                                                 step_size_max, maximize));
}
template <class P, class G, class V, class S, class = std::enable_if_t<detail::contiguous_v<P>>>
void rprop_update(P &&p, const G &g, V &&prev, S &&step_size, double eta_minus, double eta_plus, double step_size_min,
                  double step_size_max, bool maximize) {
    const char *call = "gdopt::rprop_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    detail::same_size(call, "prev", n, std::size(prev));
    detail::same_size(call, "step_size", n, std::size(step_size));
    rprop_update(std::data(p), std::data(g), std::data(prev), std::data(step_size), n, eta_minus, eta_plus,
                 step_size_min, step_size_max, maximize);
}

/* mu_product (in/out) starts at 1; it changes only when the call succeeds. */
template <class T>
void nadam_update(T *p, const T *g, T *exp_avg, T *exp_avg_sq, double &mu_product, std::size_t n, std::uint64_t t,
                  double lr, double beta1, double beta2, double eps, double weight_decay, double momentum_decay,
                  bool decoupled_weight_decay, bool maximize) {
    detail::check(detail::c_api<T>::nadam_update(p, g, exp_avg, exp_avg_sq, &mu_product, n, t, lr, beta1, beta2, eps,
                                                 weight_decay, momentum_decay, decoupled_weight_decay, maximize));
}
template <class P, class G, class M, class V, class = std::enable_if_t<detail::contiguous_v<P>>>
void nadam_update(P &&p, const G &g, M &&exp_avg, V &&exp_avg_sq, double &mu_product, std::uint64_t t, double lr,
                  double beta1, double beta2, double eps, double weight_decay, double momentum_decay,
                  bool decoupled_weight_decay, bool maximize) {
    const char *call = "gdopt::nadam_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    detail::same_size(call, "exp_avg", n, std::size(exp_avg));
    detail::same_size(call, "exp_avg_sq", n, std::size(exp_avg_sq));
    nadam_update(std::data(p), std::data(g), std::data(exp_avg), std::data(exp_avg_sq), mu_product, n, t, lr, beta1,
                 beta2, eps, weight_decay, momentum_decay, decoupled_weight_decay, maximize);
}

template <class T>
void radam_update(T *p, const T *g, T *exp_avg, T *exp_avg_sq, std::size_t n, std::uint64_t t, double lr, double beta1,
                  double beta2, double eps, double weight_decay, bool decoupled_weight_decay, bool maximize) {
    detail::check(detail::c_api<T>::radam_update(p, g, exp_avg, exp_avg_sq, n, t, lr, beta1, beta2, eps, weight_decay,
                                                 decoupled_weight_decay, maximize));
}
template <class P, class G, class M, class V, class = std::enable_if_t<detail::contiguous_v<P>>>
void radam_update(P &&p, const G &g, M &&exp_avg, V &&exp_avg_sq, std::uint64_t t, double lr, double beta1,
                  double beta2, double eps, double weight_decay, bool decoupled_weight_decay, bool maximize) {
    const char *call = "gdopt::radam_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    detail::same_size(call, "exp_avg", n, std::size(exp_avg));
    detail::same_size(call, "exp_avg_sq", n, std::size(exp_avg_sq));
    radam_update(std::data(p), std::data(g), std::data(exp_avg), std::data(exp_avg_sq), n, t, lr, beta1, beta2, eps,
                 weight_decay, decoupled_weight_decay, maximize);
}

/* eta and mu (in/out) start at lr and 1; they change only when the call succeeds. */
template <class T>
void asgd_update(T *p, const T *g, T *ax, double &eta, double &mu, std::size_t n, std::uint64_t t, double lr,
                 double lambd, double alpha, double t0, double weight_decay, bool maximize) {
    detail::check(
        detail::c_api<T>::asgd_update(p, g, ax, &eta, &mu, n, t, lr, lambd, alpha, t0, weight_decay, maximize));
}
template <class P, class G, class A, class = std::enable_if_t<detail::contiguous_v<P>>>
void asgd_update(P &&p, const G &g, A &&ax, double &eta, double &mu, std::uint64_t t, double lr, double lambd,
                 double alpha, double t0, double weight_decay, bool maximize) {
    const std::size_t n = std::size(p);
    detail::same_size("gdopt::asgd_update", "g", n, std::size(g));
    detail::same_size("gdopt::asgd_update", "ax", n, std::size(ax));
    asgd_update(std::data(p), std::data(g), std::data(ax), eta, mu, n, t, lr, lambd, alpha, t0, weight_decay, maximize);
}

/* rows = cols = 0: variance (n elements) is used; else row-major p is factored, with row_var
 * (rows elements) and col_var (cols). Unused buffers may be null. eps1 = 0: the dtype's epsilon. */
template <class T>
void adafactor_update(T *p, const T *g, T *row_var, T *col_var, T *variance, std::size_t n, std::size_t rows,
                      std::size_t cols, std::uint64_t t, double lr, double beta2_decay, double eps1, double eps2,
                      double d, double weight_decay, bool maximize) {
    detail::check(detail::c_api<T>::adafactor_update(p, g, row_var, col_var, variance, n, rows, cols, t, lr,
                                                     beta2_decay, eps1, eps2, d, weight_decay, maximize));
}
/* Containers: a factored call passes empty variance, an unfactored one empty row_var and col_var. */
template <class P, class G, class R, class C, class V, class = std::enable_if_t<detail::contiguous_v<P>>>
void adafactor_update(P &&p, const G &g, R &&row_var, C &&col_var, V &&variance, std::size_t rows, std::size_t cols,
                      std::uint64_t t, double lr, double beta2_decay, double eps1, double eps2, double d,
                      double weight_decay, bool maximize) {
    const char *call = "gdopt::adafactor_update";
    const std::size_t n = std::size(p);
    detail::same_size(call, "g", n, std::size(g));
    adafactor_update(std::data(p), std::data(g), detail::optional_data(row_var, rows, call, "row_var"),
                     detail::optional_data(col_var, cols, call, "col_var"),
                     detail::optional_data(variance, n, call, "variance"), n, rows, cols, t, lr, beta2_decay, eps1,
                     eps2, d, weight_decay, maximize);
}

/* Clips count buffers by their global L2 norm; returns the norm before clipping. */
template <class T> double clip_grad_norm(T *const *grads, const std::size_t *lens, std::size_t count, double max_norm) {
    double total = 0;
    detail::check(detail::c_api<T>::clip_grad_norm(grads, lens, count, max_norm, &total));
    return total;
}

inline void shuffle(std::uint64_t seed, std::uint64_t epoch, std::size_t *perm, std::size_t n) {
    detail::check(gdopt_shuffle(seed, epoch, perm, n));
}
template <class C, class = std::enable_if_t<detail::contiguous_v<C>>>
void shuffle(std::uint64_t seed, std::uint64_t epoch, C &&perm) {
    shuffle(seed, epoch, std::data(perm), std::size(perm));
}

/* ---- Gradient check -------------------------------------------------------------------- */

template <class F> void numerical_gradient(F &&f, const double *x, std::size_t n, double h, double *grad_out) {
    detail::objective_call<std::remove_reference_t<F>> call{f, nullptr};
    const gdopt_status status = gdopt_numerical_gradient(call.call, &call, x, n, h, grad_out);
    detail::rethrow_or_check(call.failure, status);
}

/* A NaN or Inf in either gradient throws GDOPT_ERR_NONFINITE. */
template <class F> gradcheck_result gradcheck(F &&f, const double *x, std::size_t n, double h = 1e-5) {
    detail::objective_call<std::remove_reference_t<F>> call{f, nullptr};
    gradcheck_result out{};
    const gdopt_status status = gdopt_gradcheck(call.call, &call, x, n, h, &out);
    detail::rethrow_or_check(call.failure, status);
    return out;
}
template <class F, class C, class = std::enable_if_t<detail::contiguous_v<C>>>
gradcheck_result gradcheck(F &&f, const C &x, double h = 1e-5) {
    return gradcheck(f, std::data(x), std::size(x), h);
}

/* ---- Solvers --------------------------------------------------------------------------- */

/* scipy.optimize.minimize / NLopt-style solver, e.g.
 *     gdopt::solver lbfgs("lbfgs", {{"gtol", 1e-8}});
 *     gdopt::result r = lbfgs.minimize(f, x);
 * or reverse communication, as a plain loop:
 *     s.begin(x);
 *     for (gdopt::task t; (t = s.ask(x)) != gdopt::task::done;)
 *         if (t == gdopt::task::evaluate) s.tell(f(x, g), g);                               */
class solver : public detail::checkpointed<solver, gdopt_solver> {
  public:
    explicit solver(const char *method, detail::settings options = {})
        : checkpointed(method, options), callbacks_(new callbacks) {}
    explicit solver(const std::string &method, detail::settings options = {}) : solver(method.c_str(), options) {}

    /* Either side may be NULL (or an empty container): no bound on that side. */
    void set_bounds(const double *lower, const double *upper, std::size_t n) {
        detail::check(gdopt_solver_set_bounds(handle_.get(), lower, upper, n));
    }
    template <class L, class U, class = std::enable_if_t<detail::contiguous_v<L> && detail::contiguous_v<U>>>
    void set_bounds(const L &lower, const U &upper) {
        const std::size_t n = std::size(lower) > 0 ? std::size(lower) : std::size(upper);
        set_bounds(detail::optional_data(lower, n, "gdopt::solver::set_bounds", "lower"),
                   detail::optional_data(upper, n, "gdopt::solver::set_bounds", "upper"), n);
    }
    void clear_bounds() { set_bounds(nullptr, nullptr, 0); }

    /* cb(const gdopt::progress &) -> bool: true stops the run (GDOPT_STOPPED_BY_CALLBACK).
     * An exception it throws also stops the run, and minimize rethrows it. */
    template <class F> void on_progress(F &&cb) {
        std::function<bool(const progress &)> wrapped(std::forward<F>(cb));
        detail::check(gdopt_solver_set_progress(handle_.get(), &progress_call, callbacks_.get()));
        callbacks_->progress = std::move(wrapped);
    }
    /* hess(view<const double> x, view<double> H) -> void: H is n x n, row-major ("newton"). */
    template <class F> void on_hessian(F &&hess) {
        std::function<void(view<const double>, view<double>)> wrapped(std::forward<F>(hess));
        detail::check(gdopt_solver_set_hessian(handle_.get(), &hessian_call, callbacks_.get()));
        callbacks_->hessian = std::move(wrapped);
    }

    /* Minimises f from x (on return, the best point seen). What f, the progress or the
     * Hessian callback throws is rethrown here, unchanged. */
    template <class F> gdopt_result minimize(F &&f, double *x, std::size_t n) {
        detail::objective_call<std::remove_reference_t<F>> call{f, nullptr};
        gdopt_result out{};
        const gdopt_status status = gdopt_solver_minimize(handle_.get(), call.call, &call, x, n, &out);
        rethrow_callbacks();
        detail::rethrow_or_check(call.failure, status);
        return out;
    }
    template <class F, class C, class = std::enable_if_t<detail::contiguous_v<C>>> gdopt_result minimize(F &&f, C &&x) {
        return minimize(f, std::data(x), std::size(x));
    }

    void begin(const double *x0, std::size_t n) { detail::check(gdopt_solver_begin(handle_.get(), x0, n)); }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>> void begin(const C &x0) {
        begin(std::data(x0), std::size(x0));
    }
    task ask(double *x, std::size_t n) {
        gdopt_task next = 0;
        const gdopt_status status = gdopt_solver_ask(handle_.get(), x, n, &next);
        rethrow_callbacks();
        detail::check(status);
        return static_cast<task>(next);
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>> task ask(C &&x) {
        return ask(std::data(x), std::size(x));
    }
    void tell(double f, const double *grad, std::size_t n) {
        detail::check(gdopt_solver_tell(handle_.get(), f, grad, n));
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>> void tell(double f, const C &grad) {
        tell(f, std::data(grad), std::size(grad));
    }
    /* For the random methods and finite_differences = 1: f alone. */
    void tell(double f) { tell(f, nullptr, dimension()); }
    void stop() { detail::check(gdopt_solver_stop(handle_.get())); }
    gdopt_result result() const {
        gdopt_result out{};
        detail::check(gdopt_solver_result(handle_.get(), &out));
        return out;
    }
    std::size_t dimension() const {
        std::size_t n = 0;
        detail::check(gdopt_solver_dimension(handle_.get(), &n));
        return n;
    }

  private:
    /* On the heap, so that the C library's data pointer survives a move of the solver. */
    struct callbacks {
        std::function<bool(const progress &)> progress;
        std::function<void(view<const double>, view<double>)> hessian;
        std::exception_ptr failure;
    };
    static int progress_call(const progress *p, void *data) noexcept {
        auto *self = static_cast<callbacks *>(data);
        try {
            return self->progress(*p) ? 1 : 0;
        } catch (...) {
            self->failure = std::current_exception();
            return 1;
        }
    }
    static int hessian_call(std::size_t n, const double *x, double *H, void *data) noexcept {
        auto *self = static_cast<callbacks *>(data);
        try {
            self->hessian(view<const double>(x, n), view<double>(H, n * n));
            return 0;
        } catch (...) {
            self->failure = std::current_exception();
            return 1;
        }
    }
    void rethrow_callbacks() {
        if (callbacks_->failure) detail::rethrow_or_check(callbacks_->failure, GDOPT_OK);
    }

    std::unique_ptr<callbacks> callbacks_;
};

/* One run of a new solver: minimize(f, x) with L-BFGS, or any method and options. */
template <class F, class C, class = std::enable_if_t<detail::contiguous_v<C>>>
result minimize(F &&f, C &&x, const char *method = "lbfgs", detail::settings options = {}) {
    solver s(method, options);
    return s.minimize(f, x);
}

/* ---- Learning-rate schedules ----------------------------------------------------------- */

class schedule : public detail::named<schedule, gdopt_schedule> {
  public:
    explicit schedule(const char *kind, detail::settings settings = {}) : named(kind, settings) {}
    double lr(std::uint64_t step) const {
        double value = 0;
        detail::check(gdopt_schedule_lr(handle_.get(), step, &value));
        return value;
    }
    void observe(double metric) { detail::check(gdopt_schedule_observe(handle_.get(), metric)); }
};

/* ---- Autodiff tape --------------------------------------------------------------------- */

template <class T> using feed = typename detail::c_api<T>::feed;

class tape {
  public:
    explicit tape(gdopt_dtype dtype = GDOPT_F64) {
        gdopt_tape *raw = nullptr;
        detail::check(gdopt_tape_create(dtype, &raw));
        handle_.reset(raw);
    }
    void clear() { detail::check(gdopt_tape_clear(handle_.get())); }

    /* Leaves hold a copy of data; shape {} is a scalar. */
    template <class T> node variable(const T *data, std::initializer_list<std::size_t> shape) {
        return leaf(detail::c_api<T>::tape_variable, data, shape.begin(), shape.size());
    }
    template <class T> node constant(const T *data, std::initializer_list<std::size_t> shape) {
        return leaf(detail::c_api<T>::tape_constant, data, shape.begin(), shape.size());
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>>
    node variable(const C &data, std::initializer_list<std::size_t> shape) {
        filled("gdopt::tape::variable", std::size(data), shape);
        return variable(std::data(data), shape);
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>>
    node constant(const C &data, std::initializer_list<std::size_t> shape) {
        filled("gdopt::tape::constant", std::size(data), shape);
        return constant(std::data(data), shape);
    }

    node unary(gdopt_op op, node x) {
        node out = 0;
        detail::check(gdopt_tape_unary(handle_.get(), op, x, &out));
        return out;
    }
    node binary(gdopt_op op, node a, node b) {
        node out = 0;
        detail::check(gdopt_tape_binary(handle_.get(), op, a, b, &out));
        return out;
    }
    node loss(gdopt_loss kind, node scores, const std::int64_t *labels, std::size_t n) {
        node out = 0;
        detail::check(gdopt_tape_loss(handle_.get(), kind, scores, labels, n, &out));
        return out;
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>>
    node loss(gdopt_loss kind, node scores, const C &labels) {
        return loss(kind, scores, std::data(labels), std::size(labels));
    }

    void backward(node scalar) { detail::check(gdopt_tape_backward(handle_.get(), scalar)); }

    std::vector<std::size_t> shape(node x) const {
        std::size_t rank = 0, dims[8] = {0};
        detail::check(gdopt_tape_shape(handle_.get(), x, &rank, dims));
        return std::vector<std::size_t>(dims, dims + rank);
    }

    template <class T> void value(node x, T *out, std::size_t n) const {
        detail::check(detail::c_api<T>::tape_value(handle_.get(), x, out, n));
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>> void value(node x, C &&out) const {
        value(x, std::data(out), std::size(out));
    }
    template <class T> void grad(node x, T *out, std::size_t n) const {
        detail::check(detail::c_api<T>::tape_grad(handle_.get(), x, out, n));
    }
    template <class C, class = std::enable_if_t<detail::contiguous_v<C>>> void grad(node x, C &&out) const {
        grad(x, std::data(out), std::size(out));
    }

    /* One training step of a recorded graph (gdopt_tape_replay_*); returns the root's value. */
    template <class T>
    T replay(node root, const feed<T> *feeds, std::size_t n_feeds, const gdopt_labels *labels = nullptr,
             std::size_t n_labels = 0) {
        T value = 0;
        detail::check(detail::c_api<T>::tape_replay(handle_.get(), root, feeds, n_feeds, labels, n_labels, &value));
        return value;
    }

    gdopt_tape *native_handle() const noexcept { return handle_.get(); }

  private:
    template <class Record, class T>
    node leaf(Record record, const T *data, const std::size_t *shape, std::size_t rank) {
        node out = 0;
        detail::check(record(handle_.get(), data, rank, rank > 0 ? shape : nullptr, &out));
        return out;
    }
    static void filled(const char *call, std::size_t size, std::initializer_list<std::size_t> shape) {
        std::size_t count = 1;
        for (std::size_t dim : shape) count = dim != 0 && count > SIZE_MAX / dim ? SIZE_MAX : count * dim;
        detail::same_size(call, "data", count, size);
    }

    detail::owner<gdopt_tape> handle_;
};

} // namespace gdopt

#endif /* GDOPT_HPP */
