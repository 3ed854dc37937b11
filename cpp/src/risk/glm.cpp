// Shared pieces of the GLM solvers: input checks, threading, prediction.
#include <Eigen/Cholesky>
#include <cmath>
#include <limits>
#include <sstream>
#include <thread>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/glm.hpp"
#include "glm_solver.hpp"

namespace earlyhelp::risk {
namespace detail {

int choose_threads(Eigen::Index n, Eigen::Index p, int requested) {
  if (requested > 0) return requested;
  // Threads pay off only when a pass over the rows is long.
  if (n * std::max<Eigen::Index>(p, 1) < 2000000) return 1;
  unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::max(1u, std::min(hw, 2u)));
}

void check_inputs(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef w, const GlmOptions& o) {
  require(X.rows() > 0, "X has no rows");
  require(y.size() == X.rows(), "y has " + std::to_string(y.size()) + " values but X has " +
                                    std::to_string(X.rows()) + " rows");
  require(w.size() == X.rows(), "sample_weight has " + std::to_string(w.size()) + " values but X has " +
                                    std::to_string(X.rows()) + " rows");
  require(std::isfinite(o.lambda) && o.lambda >= 0.0, "the penalty strength must be finite and >= 0");
  require(o.l1_ratio >= 0.0 && o.l1_ratio <= 1.0, "l1_ratio must be between 0 and 1");
  require(o.tol > 0.0, "tol must be > 0");
  require(o.max_iter >= 1, "max_iter must be >= 1");
  const bool all_finite = X.allFinite();
  for (Eigen::Index i = 0; i < X.rows() && !all_finite; ++i) {
    if (!X.row(i).allFinite()) {
      Eigen::Index j = 0;
      while (std::isfinite(X(i, j))) ++j;
      std::ostringstream msg;
      msg << "X has a missing or infinite value at row " << i << ", column " << j << " (" << X(i, j) << ")";
      throw InputError(msg.str());
    }
  }
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (!(std::isfinite(w[i]) && w[i] >= 0.0))
      throw InputError("sample_weight must be finite and >= 0; row " + std::to_string(i) + " has " +
                       std::to_string(w[i]));
  require(w.sum() > 0.0, "sample_weight sums to zero");
}

Eigen::MatrixXd spd_inverse(const Eigen::MatrixXd& H) {
  const Eigen::Index k = H.rows();
  Eigen::LLT<Eigen::MatrixXd> llt(H);
  if (llt.info() != Eigen::Success)
    return Eigen::MatrixXd::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
  return llt.solve(Eigen::MatrixXd::Identity(k, k));
}

}  // namespace detail

void linear_predictor(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out, int n_threads) {
  require(coef.size() == X.cols(), "X has " + std::to_string(X.cols()) + " columns but the model has " +
                                       std::to_string(coef.size()) + " coefficients");
  require(out.size() == X.rows(), "output length does not match the rows of X");
  int threads = detail::choose_threads(X.rows(), X.cols(), n_threads);
  detail::parallel_rows(X.rows(), threads, [&](int, Eigen::Index begin, Eigen::Index end) {
    for (Eigen::Index r = begin; r < end; r += detail::kBlock) {
      Eigen::Index len = std::min(detail::kBlock, end - r);
      out.segment(r, len).noalias() = X.middleRows(r, len) * coef;
      out.segment(r, len).array() += intercept;
    }
  });
}

void predict_logistic(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out, int n_threads) {
  require(coef.size() == X.cols(), "X has " + std::to_string(X.cols()) + " columns but the model has " +
                                       std::to_string(coef.size()) + " coefficients");
  require(out.size() == X.rows(), "output length does not match the rows of X");
  int threads = detail::choose_threads(X.rows(), X.cols(), n_threads);
  detail::parallel_rows(X.rows(), threads, [&](int, Eigen::Index begin, Eigen::Index end) {
    for (Eigen::Index r = begin; r < end; r += detail::kBlock) {
      Eigen::Index len = std::min(detail::kBlock, end - r);
      auto seg = out.segment(r, len);
      seg.noalias() = X.middleRows(r, len) * coef;
      seg = (1.0 + (-(seg.array() + intercept)).exp()).inverse().matrix();
    }
  });
}

void predict_poisson(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out, int n_threads) {
  linear_predictor(X, coef, intercept, out, n_threads);
  out = out.array().exp().matrix();
}

}  // namespace earlyhelp::risk
