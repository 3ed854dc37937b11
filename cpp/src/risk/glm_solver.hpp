#pragma once
// The solvers behind fit_logistic and fit_poisson (internal header).
//
// A Family supplies, for one row, the loss at eta and its first and second
// derivatives in eta. All passes over the rows run in blocks of kBlock rows on
// up to n_threads threads, each thread summing into its own accumulators.
#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/glm.hpp"

namespace earlyhelp::risk::detail {

constexpr Eigen::Index kBlock = 512;
// Why a ridge-penalised Newton step can fail (its Hessian is invertible).
constexpr const char* kScaleBreakdown =
    "the penalised fit broke down numerically: values on extreme scales (standardise the features, and rescale "
    "counts or sample weights towards 1)";

int choose_threads(Eigen::Index n, Eigen::Index p, int requested);

// Calls fn(thread, begin, end) over contiguous row ranges, one per thread, on at most one
// thread per block of rows (more would only cost their start). Every thread started is joined
// before an exception leaves (a joinable std::thread would call std::terminate): one thrown by
// fn, or the std::system_error of a thread that could not start.
template <class Fn>
void parallel_rows(Eigen::Index n, int n_threads, Fn&& fn) {
  const int threads = static_cast<int>(std::min<Eigen::Index>(n_threads, (n + kBlock - 1) / kBlock));
  if (threads <= 1 || n < 2 * kBlock) {
    fn(0, Eigen::Index(0), n);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&](int t, Eigen::Index begin, Eigen::Index end) {
    try {
      fn(t, begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  const Eigen::Index chunk = (n + threads - 1) / threads;
  try {
    workers.reserve(threads - 1);
    for (int t = 1; t < threads; ++t)
      workers.emplace_back(run, t, std::min(n, t * chunk), std::min(n, (t + 1) * chunk));
  } catch (...) {
    for (auto& w : workers) w.join();
    throw;
  }
  run(0, Eigen::Index(0), std::min(n, chunk));
  for (auto& w : workers) w.join();
  if (error) std::rethrow_exception(error);
}

// Checks the inputs and returns the weighted column means of X.
Eigen::VectorXd check_inputs(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef w, const GlmOptions& o);

// With no penalty the estimate is unique only if [X, 1] has full column rank
// on the rows with positive weight; throws InputError naming a constant
// column, or saying the columns are collinear.
void check_full_rank(ConstRowMatrixRef X, ConstVectorRef w, bool fit_intercept);

// log(1 + exp(x)) without overflow.
inline double log1pexp(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

struct Logistic {
  // loss = log(1 + e^eta) - y eta; d = p - y; h = p (1 - p).
  static double loss(double eta, double y) { return log1pexp(eta) - y * eta; }
  static void derivatives(double eta, double y, double& d, double& h) {
    double p = eta >= 0 ? 1.0 / (1.0 + std::exp(-eta)) : std::exp(eta) / (1.0 + std::exp(eta));
    d = p - y;
    h = p * (1.0 - p);
  }
  static double start(double ybar) { return std::log(ybar / (1.0 - ybar)); }
  // Block form on Eigen arrays (vectorised exp and log1p): returns sum s*loss,
  // fills d = s * dloss and sq = sqrt(s * d2loss).
  template <class A, class B, class C, class D, class E>
  static double block(const A& eta, const B& y, const C& s, D&& d, E&& sq) {
    auto e = (-eta.abs()).exp().eval();
    auto p = (eta >= 0).select((1.0 + e).inverse(), e / (1.0 + e)).eval();
    d = s * (p - y);
    sq = (s * p * (1.0 - p)).sqrt();
    return (s * (eta.max(0.0) + e.log1p() - y * eta)).sum();
  }
};

struct Poisson {
  // loss = e^eta - y eta (half the deviance up to a constant); d = mu - y; h = mu.
  static double loss(double eta, double y) { return std::exp(eta) - y * eta; }
  static void derivatives(double eta, double y, double& d, double& h) {
    double mu = std::exp(eta);
    d = mu - y;
    h = mu;
  }
  static double start(double ybar) { return std::log(ybar); }
  template <class A, class B, class C, class D, class E>
  static double block(const A& eta, const B& y, const C& s, D&& d, E&& sq) {
    auto mu = eta.exp().eval();
    d = s * (mu - y);
    sq = (s * mu).sqrt();
    return (s * (mu - y * eta)).sum();
  }
};

// State of one solve: data, penalty, and the linear predictor at the current point.
template <class Family>
class Problem {
 public:
  Problem(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef s, const GlmOptions& o)
      : X_(X), y_(y), s_(s), o_(o), n_(X.rows()), p_(X.cols()), k_(X.cols() + 1),
        threads_(choose_threads(X.rows(), X.cols(), o.n_threads)) {
    lam2_ = o.lambda * (1.0 - o.l1_ratio);
    lam1_ = o.lambda * o.l1_ratio;
    weight_sum_ = s.sum();
    eta_.resize(n_);
    direction_eta_ = Eigen::VectorXd::Zero(n_);
  }

  Eigen::Index n() const { return n_; }
  Eigen::Index p() const { return p_; }
  double lam1() const { return lam1_; }
  double lam2() const { return lam2_; }
  double weight_sum() const { return weight_sum_; }
  const Eigen::VectorXd& eta() const { return eta_; }

  // eta = X beta + b for beta = theta.head(p), b = theta(p).
  void set_point(const Eigen::VectorXd& theta) {
    parallel_rows(n_, threads_, [&](int, Eigen::Index begin, Eigen::Index end) {
      for (Eigen::Index r = begin; r < end; r += kBlock) {
        Eigen::Index len = std::min(kBlock, end - r);
        eta_.segment(r, len).noalias() = X_.middleRows(r, len) * theta.head(p_);
        eta_.segment(r, len).array() += theta(p_);
      }
    });
  }

  // Data loss at eta + t * direction_eta (t = 0: the current point).
  double data_loss(double t) const {
    std::vector<double> part(threads_, 0.0);
    parallel_rows(n_, threads_, [&](int th, Eigen::Index begin, Eigen::Index end) {
      double acc = 0.0;
      for (Eigen::Index i = begin; i < end; ++i) {
        double e = eta_[i] + t * direction_eta_[i];
        if (s_[i] != 0.0) acc += s_[i] * Family::loss(e, y_[i]);
      }
      part[th] = acc;
    });
    double total = 0.0;
    for (double v : part) total += v;
    return total;
  }

  // Gradient (and Hessian, lower triangle filled then symmetrised) of the data
  // loss at the current eta, in the order (coef..., intercept).
  void gradient_hessian(Eigen::VectorXd& grad, Eigen::MatrixXd* hess) const {
    std::vector<Eigen::VectorXd> g(threads_, Eigen::VectorXd::Zero(k_));
    std::vector<Eigen::MatrixXd> H(hess ? threads_ : 0, Eigen::MatrixXd::Zero(k_, k_));
    parallel_rows(n_, threads_, [&](int th, Eigen::Index begin, Eigen::Index end) {
      Eigen::VectorXd d(kBlock), sq(kBlock);
      Eigen::MatrixXd Z;
      if (hess) Z.resize(kBlock, k_);
      for (Eigen::Index r = begin; r < end; r += kBlock) {
        Eigen::Index len = std::min(kBlock, end - r);
        for (Eigen::Index i = 0; i < len; ++i) {
          double di, hi;
          Family::derivatives(eta_[r + i], y_[r + i], di, hi);
          d[i] = s_[r + i] * di;
          sq[i] = std::sqrt(s_[r + i] * hi);
        }
        g[th].head(p_).noalias() += X_.middleRows(r, len).transpose() * d.head(len);
        g[th](p_) += d.head(len).sum();
        if (hess) {
          auto Zb = Z.topRows(len);
          Zb.leftCols(p_).noalias() = sq.head(len).asDiagonal() * X_.middleRows(r, len);
          Zb.col(p_) = sq.head(len);
          H[th].template selfadjointView<Eigen::Lower>().rankUpdate(Zb.transpose());
        }
      }
    });
    grad = g[0];
    for (int t = 1; t < threads_; ++t) grad += g[t];
    if (hess) {
      *hess = H[0];
      for (int t = 1; t < threads_; ++t) *hess += H[t];
      hess->template triangularView<Eigen::StrictlyUpper>() = hess->transpose();
    }
  }

  // One fused pass at theta: returns the data loss, fills the gradient and,
  // if asked, the Hessian (lower triangle summed, then symmetrised). Each block
  // of X is read from memory once. single_precision computes the Hessian's
  // products in float (twice the SIMD width); it is used only for Newton
  // directions, never for standard errors. hess_stride > 1 sums the Hessian
  // over every hess_stride-th block of rows only (scaled up to all rows): a
  // sub-sampled Hessian for the first Newton steps, when the exact curvature
  // is not worth a full pass.
  double evaluate(const Eigen::VectorXd& theta, Eigen::VectorXd& grad, Eigen::MatrixXd* hess,
                  bool single_precision, Eigen::Index hess_stride = 1) const {
    std::vector<double> loss(threads_, 0.0);
    std::vector<Eigen::Index> hess_rows(threads_, 0);
    std::vector<Eigen::VectorXd> g(threads_, Eigen::VectorXd::Zero(k_));
    std::vector<Eigen::MatrixXd> H(hess ? threads_ : 0, Eigen::MatrixXd::Zero(k_, k_));
    parallel_rows(n_, threads_, [&](int th, Eigen::Index begin, Eigen::Index end) {
      Eigen::VectorXd eta(kBlock), d(kBlock), sq(kBlock);
      Eigen::MatrixXd Z;
      Eigen::MatrixXf Zf, Hf;
      if (hess && single_precision) Zf.resize(kBlock, k_), Hf.resize(k_, k_);
      else if (hess) Z.resize(kBlock, k_);
      double acc = 0.0;
      for (Eigen::Index r = begin; r < end; r += kBlock) {
        Eigen::Index len = std::min(kBlock, end - r);
        auto Xb = X_.middleRows(r, len);
        eta.head(len).noalias() = Xb * theta.head(p_);
        eta.head(len).array() += theta(p_);
        acc += Family::block(eta.head(len).array(), y_.segment(r, len).array(), s_.segment(r, len).array(),
                             d.head(len).array(), sq.head(len).array());
        g[th].head(p_).noalias() += Xb.transpose() * d.head(len);
        g[th](p_) += d.head(len).sum();
        if (hess && hess_stride > 1 && (r / kBlock) % hess_stride != 0) continue;
        if (hess) hess_rows[th] += len;
        if (hess && single_precision) {
          auto Zb = Zf.topRows(len);
          Zb.leftCols(p_) = (sq.head(len).asDiagonal() * Xb).template cast<float>();
          Zb.col(p_) = sq.head(len).template cast<float>();
          Hf.setZero();
          Hf.template selfadjointView<Eigen::Lower>().rankUpdate(Zb.transpose());
          H[th] += Hf.template cast<double>();
        } else if (hess) {
          auto Zb = Z.topRows(len);
          Zb.leftCols(p_).noalias() = sq.head(len).asDiagonal() * Xb;
          Zb.col(p_) = sq.head(len);
          H[th].template selfadjointView<Eigen::Lower>().rankUpdate(Zb.transpose());
        }
      }
      loss[th] = acc;
    });
    double total = 0.0;
    for (int t = 0; t < threads_; ++t) total += loss[t];
    grad = g[0];
    for (int t = 1; t < threads_; ++t) grad += g[t];
    if (hess) {
      *hess = H[0];
      Eigen::Index rows = hess_rows[0];
      for (int t = 1; t < threads_; ++t) *hess += H[t], rows += hess_rows[t];
      if (rows > 0 && rows < n_) *hess *= static_cast<double>(n_) / static_cast<double>(rows);
      hess->template triangularView<Eigen::StrictlyUpper>() = hess->transpose();
    }
    return total;
  }

  // direction_eta = X d.head(p) + d(p).
  void set_direction(const Eigen::VectorXd& d) {
    parallel_rows(n_, threads_, [&](int, Eigen::Index begin, Eigen::Index end) {
      for (Eigen::Index r = begin; r < end; r += kBlock) {
        Eigen::Index len = std::min(kBlock, end - r);
        direction_eta_.segment(r, len).noalias() = X_.middleRows(r, len) * d.head(p_);
        direction_eta_.segment(r, len).array() += d(p_);
      }
    });
  }
  void move(double t) { eta_ += t * direction_eta_; }

  // Penalty of theta (intercept excluded).
  double penalty(const Eigen::VectorXd& theta) const {
    auto w = theta.head(p_);
    return 0.5 * lam2_ * w.squaredNorm() + lam1_ * w.template lpNorm<1>();
  }

 private:
  ConstRowMatrixRef X_;
  ConstVectorRef y_;
  ConstVectorRef s_;
  const GlmOptions& o_;
  Eigen::Index n_, p_, k_;
  int threads_;
  double lam1_ = 0, lam2_ = 0, weight_sum_ = 0;
  Eigen::VectorXd eta_, direction_eta_;
};

// Inverse of a symmetric positive definite matrix (NaN-filled if singular).
Eigen::MatrixXd spd_inverse(const Eigen::MatrixXd& H);

template <class Family>
Eigen::VectorXd start_point(ConstVectorRef y, ConstVectorRef s, Eigen::Index p, bool fit_intercept) {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(p + 1);
  if (fit_intercept) {
    double ybar = s.dot(y) / s.sum();
    theta(p) = Family::start(ybar);
  }
  return theta;
}

// Removes the intercept from a step when it is not fitted.
inline void fix_intercept(Eigen::VectorXd& v, bool fit_intercept) {
  if (!fit_intercept) v(v.size() - 1) = 0.0;
}

// The Newton step -A^-1 g for the Hessian H of the data plus the ridge (the
// intercept's row and column fixed when it is not fitted): Cholesky, else LDLT.
inline Eigen::VectorXd newton_step(const Eigen::MatrixXd& H, const Eigen::VectorXd& g, double lam2,
                                   bool fit_intercept) {
  const Eigen::Index p = H.rows() - 1;
  Eigen::MatrixXd A = H;
  A.diagonal().head(p).array() += lam2;
  if (!fit_intercept) {
    A.row(p).setZero();
    A.col(p).setZero();
    A(p, p) = 1.0;
  }
  Eigen::LLT<Eigen::MatrixXd> llt(A);
  if (llt.info() == Eigen::Success) return -llt.solve(g);
  return -Eigen::LDLT<Eigen::MatrixXd>(A).solve(g);
}

// Newton's method with a Cholesky solve (L2 only). Each iteration is one fused
// pass over the rows at the trial point: the full Newton step is tried first
// and its pass already holds the next gradient and Hessian; only when the
// Armijo test fails is the step halved (another pass). Hessians use float
// products until the gradient is small, then double, so the Hessian at the
// solution (for standard errors) is exact.
template <class Family>
GlmResult newton_cholesky(Problem<Family>& P, Eigen::VectorXd theta, const GlmOptions& o, Progress* progress) {
  const Eigen::Index p = P.p(), k = p + 1;
  const double S = P.weight_sum();
  GlmResult res;
  res.solver = "newton-cholesky";
  Eigen::VectorXd g, g_data, g_trial;
  Eigen::MatrixXd H, H_trial;
  // Far from the solution the Newton direction needs only rough curvature: a
  // float Hessian from a sample of about kHessianRows rows. Nearer (gradient
  // below kExact) a float Hessian over all rows gives near-quadratic
  // convergence; at the end (below kDouble) the exact double Hessian, the one
  // the standard errors need.
  constexpr double kExact = 1e-3;
  constexpr double kDouble = 1e-5;
  constexpr Eigen::Index kHessianRows = 131072;
  Eigen::Index stride = std::max<Eigen::Index>(1, P.n() / kHessianRows);
  bool single = true;
  bool exact = false;  // H is the double Hessian over every row
  auto exact_from_here = [&] {
    single = false;
    exact = true;
    stride = 1;
  };
  double f = P.evaluate(theta, g_data, &H, single, stride) + P.penalty(theta);
  auto full_gradient = [&](const Eigen::VectorXd& gd, const Eigen::VectorXd& th) {
    Eigen::VectorXd out = gd;
    out.head(p) += P.lam2() * th.head(p);
    fix_intercept(out, o.fit_intercept);
    return out;
  };
  g = full_gradient(g_data, theta);
  for (int it = 0;; ++it) {
    res.gradient_norm = g.template lpNorm<Eigen::Infinity>() / S;
    res.n_iter = it;
    if (res.gradient_norm <= o.tol) {
      res.converged = true;
      break;
    }
    if (it >= o.max_iter) break;
    Eigen::VectorXd step = newton_step(H, g, P.lam2(), o.fit_intercept);
    if (!(step.allFinite() && step.dot(g) < 0) && !exact) {
      // Float products (or a sample of rows) lose the curvature of columns on wide scales
      // or nearly collinear: the exact Hessian from here on.
      f = P.evaluate(theta, g_data, &H, false, 1) + P.penalty(theta);
      g = full_gradient(g_data, theta);
      exact_from_here();
      step = newton_step(H, g, P.lam2(), o.fit_intercept);
    }
    // A ridge penalty keeps the Hessian invertible, so a failed step then comes from
    // values on extreme scales, not from the columns' rank.
    require(step.allFinite() && step.dot(g) < 0,
            P.lam2() > 0 ? kScaleBreakdown
                         : "the Hessian is singular: constant or collinear columns with no ridge (L2) penalty (use a "
                           "finite C / alpha > 0 with l1_ratio < 1, or drop the columns)");
    // Near the solution switch to double-precision Hessians.
    bool next_single = single && res.gradient_norm > kDouble;
    Eigen::Index next_stride = res.gradient_norm > kExact ? stride : 1;
    double slope = g.dot(step), t = 1.0, f_new = f;
    bool accepted = false;
    Eigen::VectorXd trial;
    for (int ls = 0; ls < 60; ++ls) {
      trial = theta + t * step;
      f_new = P.evaluate(trial, g_trial, &H_trial, next_single, next_stride) + P.penalty(trial);
      if (f_new <= f + 1e-4 * t * slope || f_new <= f + 1e-13 * std::abs(f)) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted && exact) break;  // no progress possible in floating point
    if (!accepted) {  // the rough curvature pointed nowhere useful: the exact one from here on
      f = P.evaluate(theta, g_data, &H, false, 1) + P.penalty(theta);
      g = full_gradient(g_data, theta);
      exact_from_here();
      continue;
    }
    theta = trial;
    f = f_new;
    g = full_gradient(g_trial, theta);
    H.swap(H_trial);
    single = next_single;
    exact = !next_single && next_stride == 1;
    report(progress, static_cast<std::size_t>(it + 1), static_cast<std::size_t>(o.max_iter));
  }
  if (o.compute_covariance) {
    if (single) P.evaluate(theta, g_data, &H, false);
    H.diagonal().head(p).array() += P.lam2();
    if (!o.fit_intercept) {
      Eigen::MatrixXd Hc = H.topLeftCorner(p, p);
      res.covariance = Eigen::MatrixXd::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
      res.covariance.topLeftCorner(p, p) = spd_inverse(Hc);
    } else {
      res.covariance = spd_inverse(H);
    }
  }
  res.coef = theta.head(p);
  res.intercept = theta(p);
  res.objective = f;
  return res;
}

// Limited-memory BFGS (L2 only) for many features: no Hessian is formed.
template <class Family>
GlmResult lbfgs(Problem<Family>& P, Eigen::VectorXd theta, const GlmOptions& o, Progress* progress) {
  const Eigen::Index p = P.p();
  const int m = 10;
  GlmResult res;
  res.solver = "lbfgs";
  // One fused, vectorised pass per evaluation.
  auto objective = [&](const Eigen::VectorXd& th, Eigen::VectorXd& g) {
    double f = P.evaluate(th, g, nullptr, false) + P.penalty(th);
    g.head(p) += P.lam2() * th.head(p);
    fix_intercept(g, o.fit_intercept);
    return f;
  };
  Eigen::VectorXd g, g_new;
  double f = objective(theta, g);
  std::vector<Eigen::VectorXd> S, Y;
  std::vector<double> rho;
  const int max_iter = o.max_iter;
  for (int it = 0; it < max_iter; ++it) {
    res.gradient_norm = g.template lpNorm<Eigen::Infinity>() / P.weight_sum();
    if (res.gradient_norm <= o.tol) {
      res.converged = true;
      break;
    }
    // Two-loop recursion.
    Eigen::VectorXd q = -g;
    std::vector<double> alpha(S.size());
    for (int j = static_cast<int>(S.size()) - 1; j >= 0; --j) {
      alpha[j] = rho[j] * S[j].dot(q);
      q -= alpha[j] * Y[j];
    }
    double gamma = S.empty() ? 1.0 / std::max(1.0, g.norm()) : S.back().dot(Y.back()) / Y.back().squaredNorm();
    q *= gamma;
    for (std::size_t j = 0; j < S.size(); ++j) {
      double beta = rho[j] * Y[j].dot(q);
      q += (alpha[j] - beta) * S[j];
    }
    fix_intercept(q, o.fit_intercept);
    double slope = g.dot(q);
    if (slope >= 0) {  // not a descent direction: restart from steepest descent
      S.clear(), Y.clear(), rho.clear();
      q = -g / std::max(1.0, g.norm());
      slope = g.dot(q);
    }
    double t = 1.0, f_new = f;
    Eigen::VectorXd trial;
    bool accepted = false;
    for (int ls = 0; ls < 60; ++ls) {
      trial = theta + t * q;
      f_new = objective(trial, g_new);
      // Near the optimum f changes below its rounding error: accept a step
      // that does not increase f beyond that and reduces the gradient.
      if (f_new <= f + 1e-4 * t * slope ||
          (f_new <= f + 1e-13 * std::abs(f) && g_new.squaredNorm() < g.squaredNorm())) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    Eigen::VectorXd s = trial - theta, yv = g_new - g;
    double sy = s.dot(yv);
    if (sy > 1e-12 * s.norm() * yv.norm()) {
      if (static_cast<int>(S.size()) == m) S.erase(S.begin()), Y.erase(Y.begin()), rho.erase(rho.begin());
      S.push_back(s), Y.push_back(yv), rho.push_back(1.0 / sy);
    }
    theta = trial, g = g_new, f = f_new;
    res.n_iter = it + 1;  // the steps taken: max_iter when it ran out, as scikit-learn counts
    report(progress, static_cast<std::size_t>(it + 1), static_cast<std::size_t>(max_iter));
  }
  res.gradient_norm = g.template lpNorm<Eigen::Infinity>() / P.weight_sum();
  res.converged = res.gradient_norm <= o.tol;
  P.set_point(theta);
  if (o.compute_covariance) {
    Eigen::MatrixXd H;
    P.gradient_hessian(g, &H);
    H.diagonal().head(p).array() += P.lam2();
    res.covariance = spd_inverse(H);
  }
  res.coef = theta.head(p);
  res.intercept = theta(p);
  res.objective = f;
  return res;
}

// Minimum-norm subgradient of the elastic-net objective, divided by sum s.
inline double subgradient_norm(const Eigen::VectorXd& g, const Eigen::VectorXd& theta, double lam1, Eigen::Index p,
                               bool fit_intercept, double weight_sum) {
  double m = fit_intercept ? std::abs(g(p)) : 0.0;
  for (Eigen::Index j = 0; j < p; ++j) {
    double v = theta(j) != 0.0 ? std::abs(g(j) + lam1 * (theta(j) > 0 ? 1.0 : -1.0)) : std::max(0.0, std::abs(g(j)) - lam1);
    m = std::max(m, v);
  }
  return m / weight_sum;
}

// Proximal Newton for the elastic net: each outer step minimises the quadratic
// model plus the L1 term by cyclic coordinate descent, then backtracks on the
// true objective.
template <class Family>
GlmResult newton_cd(Problem<Family>& P, Eigen::VectorXd theta, const GlmOptions& o, Progress* progress) {
  const Eigen::Index p = P.p(), k = p + 1;
  const double lam1 = P.lam1(), lam2 = P.lam2();
  GlmResult res;
  res.solver = "newton-cd";
  P.set_point(theta);
  double f = P.data_loss(0.0) + P.penalty(theta);
  Eigen::VectorXd g, gf;
  Eigen::MatrixXd H;
  const int max_iter = o.max_iter;
  for (int it = 0; it < max_iter; ++it) {
    P.gradient_hessian(g, &H);
    gf = g;
    gf.head(p) += lam2 * theta.head(p);
    fix_intercept(gf, o.fit_intercept);
    res.gradient_norm = subgradient_norm(gf, theta, lam1, p, o.fit_intercept, P.weight_sum());
    if (res.gradient_norm <= o.tol) {
      res.converged = true;
      break;
    }
    // Coordinate descent on q(v) = g'(v - theta) + 0.5 (v - theta)' H (v - theta) + lam2/2 |v|^2 + lam1 |v|_1.
    Eigen::VectorXd v = theta, r = Eigen::VectorXd::Zero(k);  // r = H (v - theta)
    const double inner_tol = std::max(1e-14, 1e-3 * res.gradient_norm) * P.weight_sum();
    for (int sweep = 0; sweep < 10000; ++sweep) {
      double biggest = 0.0;
      for (Eigen::Index j = 0; j < k; ++j) {
        if (j == p && !o.fit_intercept) continue;
        double hjj = H(j, j);
        double old = v(j);
        double kj = g(j) + r(j) - hjj * (old - theta(j));
        double u;
        if (j == p) {
          if (hjj <= 0) continue;
          u = theta(j) - kj / hjj;
        } else {
          double z = hjj * theta(j) - kj;
          double denom = hjj + lam2;
          if (denom <= 0) continue;
          u = (z > lam1 ? z - lam1 : (z < -lam1 ? z + lam1 : 0.0)) / denom;
        }
        double delta = u - old;
        if (delta != 0.0) {
          v(j) = u;
          r.noalias() += H.col(j) * delta;
          biggest = std::max(biggest, std::abs(delta) * (hjj + (j == p ? 0.0 : lam2)));
        }
      }
      if (biggest <= inner_tol) break;
    }
    Eigen::VectorXd step = v - theta;
    double decrease = gf.dot(step) + lam1 * (v.head(p).template lpNorm<1>() - theta.head(p).template lpNorm<1>());
    if (!(decrease < 0)) break;  // the model cannot improve: converged as far as floating point allows
    P.set_direction(step);
    double t = 1.0, f_new = f;
    bool accepted = false;
    for (int ls = 0; ls < 60; ++ls) {
      Eigen::VectorXd trial = theta + t * step;
      f_new = P.data_loss(t) + P.penalty(trial);
      if (f_new <= f + 1e-4 * t * decrease) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    theta += t * step;
    P.move(t);
    f = f_new;
    res.n_iter = it + 1;  // the steps taken: max_iter when it ran out, as scikit-learn counts
    report(progress, static_cast<std::size_t>(it + 1), static_cast<std::size_t>(max_iter));
  }
  P.gradient_hessian(g, &H);
  gf = g;
  gf.head(p) += lam2 * theta.head(p);
  fix_intercept(gf, o.fit_intercept);
  res.gradient_norm = subgradient_norm(gf, theta, lam1, p, o.fit_intercept, P.weight_sum());
  res.converged = res.converged || res.gradient_norm <= o.tol;
  if (o.compute_covariance) {
    H.diagonal().head(p).array() += lam2;
    std::vector<Eigen::Index> active;
    for (Eigen::Index j = 0; j < p; ++j)
      if (theta(j) != 0.0) active.push_back(j);
    if (o.fit_intercept) active.push_back(p);
    Eigen::MatrixXd Ha(active.size(), active.size());
    for (std::size_t a = 0; a < active.size(); ++a)
      for (std::size_t b = 0; b < active.size(); ++b) Ha(a, b) = H(active[a], active[b]);
    Eigen::MatrixXd inv = spd_inverse(Ha);
    res.covariance = Eigen::MatrixXd::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t a = 0; a < active.size(); ++a)
      for (std::size_t b = 0; b < active.size(); ++b) res.covariance(active[a], active[b]) = inv(a, b);
  }
  res.coef = theta.head(p);
  res.intercept = theta(p);
  res.objective = f;
  return res;
}

template <class Family>
GlmResult solve(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef s, const GlmOptions& o, Progress* progress) {
  if (o.lambda == 0.0) check_full_rank(X, s, o.fit_intercept);
  Problem<Family> P(X, y, s, o);
  Eigen::VectorXd theta = start_point<Family>(y, s, X.cols(), o.fit_intercept);
  std::string solver = o.solver;
  if (solver == "auto") {
    if (o.l1_ratio > 0.0 && o.lambda > 0.0) solver = "newton-cd";
    else solver = X.cols() <= 1000 ? "newton-cholesky" : "lbfgs";
  }
  require(solver == "newton-cholesky" || solver == "lbfgs" || solver == "newton-cd",
          "solver must be 'auto', 'newton-cholesky', 'lbfgs' or 'newton-cd', got '" + o.solver + "'");
  require(solver == "newton-cd" || o.l1_ratio == 0.0 || o.lambda == 0.0,
          "solver '" + solver + "' supports the L2 penalty only (l1_ratio = 0); use 'newton-cd' or 'auto'");
  if (solver == "newton-cd") return newton_cd<Family>(P, theta, o, progress);
  if (solver == "lbfgs") return lbfgs<Family>(P, theta, o, progress);
  return newton_cholesky<Family>(P, theta, o, progress);
}

}  // namespace earlyhelp::risk::detail
