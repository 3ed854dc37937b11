// AutoETS: the exponential smoothing state space family of Hyndman, Koehler,
// Ord and Snyder (2008) fitted as R's forecast::ets does: error A/M, trend
// N/A/Ad, season N/A/M (R's restricted set), initial states from R's
// initstate, parameters and initial states by maximum likelihood with R's
// Nelder-Mead inside the usual and admissible bounds, model chosen by AICc;
// forecasts and prediction intervals analytic (classes 1, 2 and 3).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/ets.hpp"
#include "detail.hpp"

namespace earlyhelp::forecast {

namespace {

enum class Comp { N, A, M };
constexpr double kTol = 1e-10;
constexpr double kHuge = 1e10;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLower = 1e-4, kUpper = 0.9999, kPhiLower = 0.8, kPhiUpper = 0.98;

char letter(Comp c) { return c == Comp::N ? 'N' : (c == Comp::A ? 'A' : 'M'); }

struct Structure {
  Comp error, trend, season;
  bool damped;
  int m;  // 1 when non-seasonal
};

struct Params {
  double alpha, beta, gamma, phi;
};

// Seasonal states as a ring: s[m-1] (the one used next) is ring[head].
struct State {
  double level = 0.0, growth = 0.0;
  std::vector<double> ring;
  int head = 0;
};

// Load l, b, s[0..m-1] (statsforecast order: s[0] most recent).
void load(State& st, const Structure& k, const double* x) {
  st.level = x[0];
  st.growth = k.trend != Comp::N ? x[1] : 0.0;
  if (k.season != Comp::N) {
    const double* s = x + 1 + (k.trend != Comp::N);
    st.ring.resize(k.m);
    for (int j = 0; j < k.m; ++j) st.ring[(k.m - 1 - j) % k.m] = s[j];
    st.head = 0;
  }
}

// One-step forecast from the state; NaN if impossible.
inline double one_step(const State& st, const Structure& k, double phi) {
  double f = st.level;
  if (k.trend == Comp::A) f += phi * st.growth;
  if (k.season == Comp::A) f += st.ring[st.head];
  else if (k.season == Comp::M) f *= st.ring[st.head];
  return f;
}

// State update after observing y (R's forecast update(), same for both error types).
inline void update(State& st, const Structure& k, const Params& p, double y) {
  const double old_level = st.level;
  double phib = 0.0, q = old_level;
  if (k.trend == Comp::A) {
    phib = p.phi * st.growth;
    q = old_level + phib;
  }
  double old_s = 0.0, deseason = y;
  if (k.season == Comp::A) {
    old_s = st.ring[st.head];
    deseason = y - old_s;
  } else if (k.season == Comp::M) {
    old_s = st.ring[st.head];
    deseason = std::abs(old_s) < kTol ? kHuge : y / old_s;
  }
  st.level = q + p.alpha * (deseason - q);
  if (k.trend == Comp::A) st.growth = phib + (p.beta / p.alpha) * ((st.level - old_level) - phib);
  if (k.season != Comp::N) {
    double t;
    if (k.season == Comp::A) t = y - q;
    else t = std::abs(q) < kTol ? kHuge : y / q;
    st.ring[st.head] = old_s + p.gamma * (t - old_s);
    if (++st.head == k.m) st.head = 0;
  }
}

// Run the filter from initial state x. Returns -2 log-likelihood up to a
// constant (n log SSE [+ 2 sum log|f|]), NaN if a forecast was impossible.
// The filter is the optimiser's inner loop, so it is compiled once per
// (error, trend, season) combination without branches on them; the
// arithmetic is that of one_step() and update() above.
template <Comp E, Comp T, Comp S>
double calc_t(const double* y, std::size_t n, const double* x, const Structure& k,
              const Params& p, State& st, double* resid) {
  load(st, k, x);
  double level = st.level, growth = st.growth;
  double* ring = st.ring.data();
  int head = st.head;
  const int m = k.m;
  const double phi = p.phi, alpha = p.alpha, gamma = p.gamma;
  const double beta_star = T == Comp::A ? p.beta / p.alpha : 0.0;
  double sse = 0.0, sumlog = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double phib = 0.0, q = level;
    if constexpr (T == Comp::A) {
      phib = phi * growth;
      q = level + phib;
    }
    double s = 0.0, f = q;
    if constexpr (S == Comp::A) {
      s = ring[head];
      f = q + s;
    } else if constexpr (S == Comp::M) {
      s = ring[head];
      f = q * s;
    }
    if (std::isnan(f)) return std::numeric_limits<double>::quiet_NaN();
    double e;
    if constexpr (E == Comp::A) {
      e = y[i] - f;
    } else {
      const double denom = std::abs(f) < kTol ? f + kTol : f;
      e = (y[i] - f) / denom;
      const double af = std::abs(f);
      sumlog += std::log(af > 0.0 ? af : af + 1e-8);
    }
    if (resid != nullptr) resid[i] = e;
    sse += e * e;
    double deseason = y[i];
    if constexpr (S == Comp::A) deseason = y[i] - s;
    if constexpr (S == Comp::M) deseason = std::abs(s) < kTol ? kHuge : y[i] / s;
    const double new_level = q + alpha * (deseason - q);
    if constexpr (T == Comp::A) growth = phib + beta_star * ((new_level - level) - phib);
    if constexpr (S != Comp::N) {
      double t;
      if constexpr (S == Comp::A) t = y[i] - q;
      else t = std::abs(q) < kTol ? kHuge : y[i] / q;
      ring[head] = s + gamma * (t - s);
      if (++head == m) head = 0;
    }
    level = new_level;
  }
  st.level = level;
  st.growth = growth;
  st.head = head;
  const double dn = static_cast<double>(n);
  double lik = dn * std::log(sse > 0.0 ? sse : sse + 1e-8);
  if constexpr (E == Comp::M) lik += 2.0 * sumlog;
  return lik;
}

template <Comp E, Comp T>
double calc_season(const double* y, std::size_t n, const double* x, const Structure& k,
                   const Params& p, State& st, double* resid) {
  if (k.season == Comp::N) return calc_t<E, T, Comp::N>(y, n, x, k, p, st, resid);
  if (k.season == Comp::A) return calc_t<E, T, Comp::A>(y, n, x, k, p, st, resid);
  return calc_t<E, T, Comp::M>(y, n, x, k, p, st, resid);
}

template <Comp E>
double calc_trend(const double* y, std::size_t n, const double* x, const Structure& k,
                  const Params& p, State& st, double* resid) {
  if (k.trend == Comp::A) return calc_season<E, Comp::A>(y, n, x, k, p, st, resid);
  return calc_season<E, Comp::N>(y, n, x, k, p, st, resid);
}

double calc(const double* y, std::size_t n, const double* x, const Structure& k, const Params& p,
            State& st, double* resid) {
  if (k.error == Comp::A) return calc_trend<Comp::A>(y, n, x, k, p, st, resid);
  return calc_trend<Comp::M>(y, n, x, k, p, st, resid);
}

// ---- initial states (R's initstate) ------------------------------------------
// Seasonal states from a classical decomposition of the whole series (a line
// plus one harmonic when shorter than three seasons), then level and growth
// from a line through the first max(10, 2m) seasonally adjusted points.
std::vector<double> init_states(const double* y, std::size_t n, const Structure& k) {
  std::vector<double> ysa(y, y + n);
  std::vector<double> seas;  // m-1 values, s[0..m-2]
  const int m = k.m;
  if (k.season != Comp::N) {
    std::vector<double> seasonal(n);
    const bool mult = k.season == Comp::M;
    if (n < static_cast<std::size_t>(3 * m)) {
      // simple Fourier regression: 1, t, cos, sin (sin dropped when m == 2)
      const bool with_sin = std::abs(2.0 / m - std::round(2.0 / m)) > 1e-15;
      const int cols = with_sin ? 4 : 3;
      Eigen::MatrixXd X(n, cols);
      Eigen::VectorXd v(n);
      for (std::size_t t = 0; t < n; ++t) {
        const double tt = static_cast<double>(t + 1);
        X(t, 0) = 1.0;
        X(t, 1) = tt;
        X(t, 2) = std::cos(2.0 * M_PI * tt / m);
        if (with_sin) X(t, 3) = std::sin(2.0 * M_PI * tt / m);
        v(t) = y[t];
      }
      const Eigen::VectorXd c = X.colPivHouseholderQr().solve(v);
      for (std::size_t t = 0; t < n; ++t) {
        const double trend = c(0) + c(1) * static_cast<double>(t + 1);
        seasonal[t] = mult ? y[t] / trend : y[t] - trend;
      }
    } else {
      seasonal = ets::r_decompose_seasonal(y, n, m, mult);
    }
    for (int j = m - 1; j >= 1; --j) seas.push_back(seasonal[j]);  // seasonal[1:m][::-1]
    if (!mult) {
      for (std::size_t t = 0; t < n; ++t) ysa[t] = y[t] - seasonal[t];
    } else {
      double total = 0.0;
      for (double& s : seas) {
        s = std::max(s, 1e-2);
        total += s;
      }
      if (total > m) {
        double denom = 0.0;
        for (double s : seas) denom += s + 1e-2;
        for (double& s : seas) s /= denom;
      }
      for (std::size_t t = 0; t < n; ++t) ysa[t] = y[t] / std::max(seasonal[t], 1e-2);
    }
  }
  const std::size_t maxn = std::min<std::size_t>(std::max(10, 2 * m), n);
  std::vector<double> x;
  if (k.trend == Comp::N) {
    x.push_back(ets::r_mean(ysa.data(), maxn));
  } else {
    // least squares line through the first maxn seasonally adjusted points
    double l0 = 0.0, b0 = 0.0;
    ets::r_line_fit(ysa.data(), maxn, l0, b0);
    if (std::abs(l0 + b0) < 1e-8) {  // keep l0 + b0 away from 0 for M errors
      l0 *= 1 + 1e-3;
      b0 *= 1 - 1e-3;
    }
    x.push_back(l0);
    x.push_back(b0);
  }
  x.insert(x.end(), seas.begin(), seas.end());
  return x;
}

// ---- one model -------------------------------------------------------------
struct Fit {
  Structure k;
  Params p{};
  std::vector<double> x0;  // full initial state (with the last seasonal)
  double lik = kInf, aic = kInf, aicc = kInf, bic = kInf, sigma2 = 0.0;
  int n_params = 0;
  bool ok = false;
};

// Expand the free initial states into the full state (adds the seasonal state
// implied by the normalisation). Returns false if multiplicative seasonal
// states are negative.
bool full_state(const Structure& k, const double* free, int n_free, std::vector<double>& x) {
  x.assign(free, free + n_free);
  if (k.season != Comp::N) {
    const int start = 1 + (k.trend != Comp::N);
    double sum = 0.0;
    for (int j = start; j < n_free; ++j) sum += free[j];
    x.push_back((k.season == Comp::M ? k.m : 0.0) - sum);
    if (k.season == Comp::M)
      for (std::size_t j = start; j < x.size(); ++j)
        if (x[j] < 0.0) return false;
  }
  return true;
}

// R's etsmodel(): starting values from initparam (bounds = "both"), initial
// states from initstate, then Nelder-Mead over the smoothing parameters and
// the free initial states jointly, inside the usual bounds (each parameter in
// [lower, upper], beta <= alpha, gamma <= 1 - alpha) and the admissible region.
Fit fit_model(const double* y, std::size_t n, const Structure& k, double fixed_alpha) {
  Fit fit;
  fit.k = k;
  const int m = k.m;
  const bool has_trend = k.trend != Comp::N, has_season = k.season != Comp::N;
  const double alpha0 = kLower + 0.2 * (kUpper - kLower) / m;
  const double alpha_start = std::isnan(fixed_alpha) ? alpha0 : fixed_alpha;
  const double beta0 = kLower + 0.1 * (std::min(kUpper, alpha_start) - kLower);
  const double gamma0 = kLower + 0.05 * (std::min(kUpper, 1.0 - alpha_start) - kLower);
  const double phi0 = kPhiLower + 0.99 * (kPhiUpper - kPhiLower);
  const bool opt_alpha = std::isnan(fixed_alpha);
  std::vector<double> x0;
  if (opt_alpha) x0.push_back(alpha0);
  if (has_trend) x0.push_back(beta0);
  if (has_season) x0.push_back(gamma0);
  if (k.damped) x0.push_back(phi0);
  const int n_smooth = static_cast<int>(x0.size());
  const std::vector<double> states = init_states(y, n, k);
  const int n_states = static_cast<int>(states.size());
  x0.insert(x0.end(), states.begin(), states.end());
  const int np = static_cast<int>(x0.size());
  if (np >= static_cast<int>(n) - 1) return fit;  // too many parameters for the data

  auto unpack = [&](const double* v) {
    Params p{opt_alpha ? v[0] : fixed_alpha, 0.0, 0.0, 1.0};
    int j = opt_alpha ? 1 : 0;
    if (has_trend) p.beta = v[j++];
    if (has_season) p.gamma = v[j++];
    if (k.damped) p.phi = v[j++];
    return p;
  };
  auto in_bounds = [&](const Params& p) {
    if (opt_alpha && (p.alpha < kLower || p.alpha > kUpper)) return false;
    if (has_trend && (p.beta < kLower || p.beta > p.alpha || p.beta > kUpper)) return false;
    if (k.damped && (p.phi < kPhiLower || p.phi > kPhiUpper)) return false;
    if (has_season && (p.gamma < kLower || p.gamma > 1.0 - p.alpha || p.gamma > kUpper)) return false;
    return ets::admissible(p.alpha, has_trend ? p.beta : NAN, has_season ? p.gamma : NAN, p.phi, m);
  };
  State st;
  std::vector<double> x;
  auto objective = [&](const double* v) -> double {
    const Params p = unpack(v);
    if (!in_bounds(p)) return kInf;
    if (!full_state(k, v + n_smooth, n_states, x)) return kInf;
    const double lik = calc(y, n, x.data(), k, p, st, nullptr);
    if (std::isnan(lik)) return kInf;
    return std::max(lik, -1e10);  // a perfect fit
  };
  auto best = ets::nelder_mead_r(objective, x0);
  if (best.stalled) {
    // The simplex collapsed (a shrink that did not shrink): R stops there; a
    // fresh simplex from the best vertex continues, kept only if it is better.
    auto again = ets::nelder_mead_r(objective, best.x);
    if (again.value < best.value) best = std::move(again);
  }
  if (!std::isfinite(best.value)) return fit;
  fit.p = unpack(best.x.data());
  full_state(k, best.x.data() + n_smooth, n_states, fit.x0);
  std::vector<double> resid(n);
  fit.lik = calc(y, n, fit.x0.data(), k, fit.p, st, resid.data());
  if (!std::isfinite(fit.lik)) return fit;
  const int npe = np + 1;  // + the error variance
  const double dn = static_cast<double>(n);
  fit.n_params = npe;
  fit.aic = fit.lik + 2.0 * npe;
  fit.bic = fit.lik + std::log(dn) * npe;
  fit.aicc = (n - npe - 1 != 0) ? fit.aic + 2.0 * npe * (npe + 1) / (dn - npe - 1) : kInf;
  double sse = 0.0;
  for (double e : resid) sse += e * e;
  fit.sigma2 = sse / std::max(1.0, dn - np);  // R: residual variance over n - (parameters + states)
  fit.ok = true;
  return fit;
}

// ---- forecasting -----------------------------------------------------------
// l + (phi + ... + phi^h) b, seasonal term of the step: the forecasts R's
// forecast.ets prints for additive seasons (its class1/class2 matrices).
void point_forecasts(const State& st, const Structure& k, double phi, int h, double* f) {
  double phistar = phi, phi_power = phi;
  for (int i = 0; i < h; ++i) {
    double v = st.level;
    if (k.trend == Comp::A) v += phistar * st.growth;
    if (k.season != Comp::N) {
      const double s = st.ring[(st.head + i) % k.m];
      v = k.season == Comp::A ? v + s : v * s;
    }
    f[i] = v;
    phi_power *= phi;
    phistar += phi_power;
  }
}

// Forecast variances for class 1 (additive error) and class 2 (multiplicative
// error, additive or no season) models; false for the others (simulate).
bool analytic_variance(const Fit& fit, const std::vector<double>& mean, std::vector<double>& var) {
  const auto& k = fit.k;
  const int h = static_cast<int>(mean.size());
  const double a = fit.p.alpha, b = fit.p.beta, g = fit.p.gamma, phi = fit.p.phi, s2 = fit.sigma2;
  const double m = k.m;
  var.assign(h, 0.0);
  if (k.season == Comp::M) return false;
  if (k.error == Comp::A) {
    for (int i = 0; i < h; ++i) {
      const double hh = i + 1;
      const double hm = std::floor((hh - 1) / m);
      double v = 1.0;
      if (k.trend == Comp::N) {
        v += a * a * (hh - 1);
      } else if (!k.damped) {
        v += (hh - 1) * (a * a + a * b * hh + b * b * hh * (2 * hh - 1) / 6.0);
      } else {
        const double e2 = b * phi * hh / ((1 - phi) * (1 - phi));
        const double e3 = 2 * a * (1 - phi) + b * phi;
        const double e4 = b * phi * (1 - std::pow(phi, hh)) / ((1 - phi) * (1 - phi) * (1 - phi * phi));
        const double e5 = 2 * a * (1 - phi * phi) + b * phi * (1 + 2 * phi - std::pow(phi, hh));
        v += a * a * (hh - 1) + e2 * e3 - e4 * e5;
      }
      if (k.season == Comp::A) {
        v += g * hm * (2 * a + g);
        if (k.trend == Comp::A && !k.damped) v += g * hm * b * m * (hm + 1);
        if (k.trend == Comp::A && k.damped) {
          const double pm = std::pow(phi, m);
          v += (2 * b * g * phi) / ((1 - phi) * (1 - pm)) *
               (hm * (1 - pm) - pm * (1 - std::pow(phi, m * hm)));
        }
      }
      var[i] = s2 * v;
    }
    return true;
  }
  // class 2: theta_k recursion with c_j = alpha + beta * (sum of phi^i) + gamma * [j % m == 0]
  std::vector<double> c(h), theta(h);
  double sum_phi = 0.0;
  for (int j = 0; j < h; ++j) {
    const int step = j + 1;
    sum_phi += k.damped ? std::pow(phi, step) : 1.0;
    double cj = a;
    if (k.trend == Comp::A) cj += b * sum_phi;
    if (k.season == Comp::A && step % k.m == 0) cj += g;
    c[j] = cj;
  }
  for (int j = 0; j < h; ++j) {
    double acc = 0.0;
    for (int i = 0; i < j; ++i) acc += c[i] * c[i] * theta[j - 1 - i];
    theta[j] = mean[j] * mean[j] + s2 * acc;
    var[j] = (1 + s2) * theta[j] - mean[j] * mean[j];
  }
  return true;
}

void simulate_intervals(Forecast& f, const Fit& fit, const State& last, int h,
                        const std::vector<double>& levels, int n_sim, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, std::sqrt(fit.sigma2));
  std::vector<double> paths(static_cast<std::size_t>(n_sim) * h);
  for (int p = 0; p < n_sim; ++p) {
    State st = last;
    for (int j = 0; j < h; ++j) {
      const double mu = one_step(st, fit.k, fit.p.phi);
      const double e = noise(rng);
      const double yv = fit.k.error == Comp::A ? mu + e : mu * (1.0 + e);
      paths[static_cast<std::size_t>(p) * h + j] = yv;
      update(st, fit.k, fit.p, yv);
    }
  }
  detail::path_intervals(f, paths, n_sim, h, levels);
}

std::vector<Comp> choices(char c, const std::vector<Comp>& all) {
  if (c == 'Z') return all;
  if (c == 'N') return {Comp::N};
  if (c == 'A') return {Comp::A};
  return {Comp::M};
}

}  // namespace

Forecast auto_ets(const Series& s, const ModelSpec& spec, int h, const std::vector<double>& levels) {
  const EtsSpec& ets = spec.ets;
  require(ets.error != EtsComponent::none && ets.trend != EtsComponent::multiplicative,
          "ETS model letters: error A/M/Z, trend A/N/Z, season A/M/N/Z");
  const double* y = s.y;
  const std::size_t n = s.n;
  const int m = spec.season_length;
  require(m >= 1, "season_length must be at least 1");
  bool positive = true, constant = true;
  for (std::size_t t = 0; t < n; ++t) {
    positive = positive && y[t] > 0.0;
    constant = constant && y[t] == y[0];
  }
  std::string note;
  const char want_season = static_cast<char>(ets.season);
  const bool seasonal_possible = m > 1 && n > static_cast<std::size_t>(m);
  if (!seasonal_possible && m > 1 && (want_season == 'A' || want_season == 'M' || want_season == 'Z'))
    note = "non-seasonal: series not longer than one season";

  std::vector<Fit> fits;
  if (constant && n > 0)
    note += std::string(note.empty() ? "" : "; ") + "constant series: alpha fixed at 0.9999, no AICc";
  if (constant) {
    fits.push_back(fit_model(y, n, {Comp::A, Comp::N, Comp::N, false, 1}, 0.9999));
  } else {
    auto errors = choices(static_cast<char>(ets.error), {Comp::A, Comp::M});
    auto trends = choices(static_cast<char>(ets.trend), {Comp::N, Comp::A});
    auto seasons = choices(want_season, {Comp::N, Comp::A, Comp::M});
    std::vector<bool> damps = ets.damped ? std::vector<bool>{*ets.damped} : std::vector<bool>{true, false};
    if (!seasonal_possible) seasons = {Comp::N};
    if (!positive) {  // multiplicative components need strictly positive data
      std::vector<Comp> e2, s2;
      for (auto c : errors) if (c != Comp::M) e2.push_back(c);
      for (auto c : seasons) if (c != Comp::M) s2.push_back(c);
      if (e2.empty() || s2.empty()) note += std::string(note.empty() ? "" : "; ") +
                                            "additive: series has zeros or negatives";
      errors = e2.empty() ? std::vector<Comp>{Comp::A} : e2;
      seasons = s2.empty() ? std::vector<Comp>{Comp::A} : s2;
    }
    for (auto e : errors)
      for (auto t : trends)
        for (auto se : seasons)
          for (bool d : damps) {
            if (t == Comp::N && d) continue;
            if (e == Comp::A && se == Comp::M) continue;  // forbidden (unstable) combination
            const int mm = se == Comp::N ? 1 : m;
            fits.push_back(fit_model(y, n, {e, t, se, d, mm}, NAN));
          }
  }
  const Fit* best = nullptr;
  for (const auto& f : fits)
    if (f.ok && std::isfinite(f.aicc) && (best == nullptr || f.aicc < best->aicc)) best = &f;
  if (best == nullptr) {
    Forecast f = naive(s, h, levels);
    f.method = "Naive (series too short for any ETS model)";
    f.fallback = true;
    return f;
  }
  Forecast f = detail::empty_forecast(n, h, levels);
  const auto& k = best->k;
  f.method = std::string("ETS(") + letter(k.error) + "," + letter(k.trend) + (k.damped ? "d" : "") +
             "," + letter(k.season) + ")";
  if (!note.empty()) {
    f.method += " [" + note + "]";
    f.fallback = true;
  }
  if (constant) {
    // R's ets() returns ses(y, alpha = 0.99999, initial = "simple")$model here: no likelihood, so no
    // AICc; ours, from a residual variance at its floor, would only reflect the series' length
    f.loglik = NAN;
    f.aicc = NAN;
  } else {
    f.loglik = -0.5 * best->lik;
    f.aicc = best->aicc;
  }
  f.params = {best->p.alpha, k.trend != Comp::N ? best->p.beta : NAN,
              k.season != Comp::N ? best->p.gamma : NAN, k.damped ? best->p.phi : NAN};
  State st;
  std::vector<double> resid(n);
  calc(y, n, best->x0.data(), k, best->p, st, resid.data());
  for (std::size_t t = 0; t < n; ++t)
    f.fitted[t] = k.error == Comp::A ? y[t] - resid[t] : y[t] / (1.0 + resid[t]);
  point_forecasts(st, k, best->p.phi, h, f.mean.data());
  std::vector<double> var;
  bool analytic = analytic_variance(*best, f.mean, var);
  if (k.season == Comp::M) {
    // class 3: the mean of the model, which after one season departs from the
    // point forecast above, and its variance (R's forecast.ets reports both)
    std::vector<double> seasons(k.m);
    for (int j = 0; j < k.m; ++j) seasons[j] = st.ring[(st.head + k.m - 1 - j) % k.m];
    const auto c3 = ets::class3_forecast(st.level, k.trend != Comp::N ? st.growth : NAN, seasons, best->p.alpha,
                                         best->p.beta, best->p.gamma, best->p.phi, best->sigma2, h);
    analytic = true;
    for (int i = 0; i < h; ++i) analytic = analytic && std::isfinite(c3.mean[i]) && std::isfinite(c3.variance[i]);
    if (analytic) {
      std::copy(c3.mean.begin(), c3.mean.end(), f.mean.begin());
      var = c3.variance;
    }
  }
  if (!levels.empty()) {
    if (analytic) {
      for (double& v : var) v = std::sqrt(std::max(v, 0.0));
      detail::normal_intervals(f, var, levels);
    } else {
      simulate_intervals(f, *best, st, h, levels, spec.n_sim, spec.seed);
    }
  }
  return f;
}

}  // namespace earlyhelp::forecast
