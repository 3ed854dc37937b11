// Shared pieces of the GLM solvers: input checks, threading, prediction.
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

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

Eigen::VectorXd check_inputs(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef w, const GlmOptions& o) {
  require(X.rows() > 0, "X has no rows");
  require(y.size() == X.rows(), "y has " + std::to_string(y.size()) + " values but X has " +
                                    std::to_string(X.rows()) + " rows");
  require(w.size() == X.rows(), "sample_weight has " + std::to_string(w.size()) + " values but X has " +
                                    std::to_string(X.rows()) + " rows");
  require(std::isfinite(o.lambda) && o.lambda >= 0.0, "the penalty strength must be finite and >= 0");
  require(o.l1_ratio >= 0.0 && o.l1_ratio <= 1.0, "l1_ratio must be between 0 and 1");
  require(o.tol > 0.0, "tol must be > 0");
  require(o.max_iter >= 1, "max_iter must be >= 1");
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (!(std::isfinite(w[i]) && w[i] >= 0.0))
      throw InputError("sample_weight must be finite and >= 0; row " + std::to_string(i) + " has " +
                       std::to_string(w[i]));
  const double S = w.sum();
  require(S > 0.0, "sample_weight sums to zero");
  // One pass gives the weighted means and checks X: a NaN or infinite value
  // makes its column's sum non-finite whatever its weight (inf * 0 = NaN).
  Eigen::VectorXd means = X.transpose() * w;
  if (!means.allFinite()) {
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      if (!X.row(i).allFinite()) {
        Eigen::Index j = 0;
        while (std::isfinite(X(i, j))) ++j;
        std::ostringstream msg;
        msg << "X has a missing or infinite value at row " << i << ", column " << j << " (" << X(i, j) << ")";
        throw InputError(msg.str());
      }
    }
    throw InputError("the weighted column sums of X overflow; rescale the features");
  }
  return means / S;
}

void check_full_rank(ConstRowMatrixRef X, ConstVectorRef w, bool fit_intercept) {
  const Eigen::Index p = X.cols(), k = p + (fit_intercept ? 1 : 0);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(k, k);
  Eigen::MatrixXd Z(kBlock, k);
  for (Eigen::Index r = 0; r < X.rows(); r += kBlock) {
    Eigen::Index len = std::min(kBlock, X.rows() - r);
    Eigen::VectorXd sq = w.segment(r, len).cwiseSqrt();
    Z.topLeftCorner(len, p).noalias() = sq.asDiagonal() * X.middleRows(r, len);
    if (fit_intercept) Z.col(p).head(len) = sq;
    G.selfadjointView<Eigen::Lower>().rankUpdate(Z.topRows(len).transpose());
  }
  G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
  const double S = w.sum();
  for (Eigen::Index j = 0; j < p; ++j)  // a square beyond the double range reads as a constant column below
    if (!std::isfinite(G(j, j))) {
      std::ostringstream msg;
      msg << "column " << j << " of X holds values too large to fit (up to " << X.col(j).cwiseAbs().maxCoeff()
          << " in absolute value; their squares overflow): rescale the features";
      throw InputError(msg.str());
    }
  for (Eigen::Index j = 0; j < p; ++j) {
    double mean = fit_intercept ? G(p, j) / S : 0.0;
    double var = G(j, j) / S - mean * mean;
    if (!(var > 1e-12 * std::max(1.0, G(j, j) / S)))
      throw InputError("column " + std::to_string(j) + " of X is constant" +
                       std::string(fit_intercept ? "" : " zero") +
                       ", so with no penalty its coefficient is not identified; drop it or use a finite C / alpha > 0");
  }
  Eigen::VectorXd d = G.diagonal().cwiseSqrt().cwiseInverse();
  Eigen::MatrixXd C = d.asDiagonal() * G * d.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(C, Eigen::EigenvaluesOnly);
  double lo = eig.eigenvalues().minCoeff(), hi = eig.eigenvalues().maxCoeff();
  if (!(lo > 1e-12 * hi))
    throw InputError("the columns of X are collinear, so with no penalty the coefficients are not identified; drop "
                     "redundant columns (e.g. one level of each one-hot feature) or use a finite C / alpha > 0");
}

Eigen::MatrixXd spd_inverse(const Eigen::MatrixXd& H) {
  const Eigen::Index k = H.rows();
  Eigen::LLT<Eigen::MatrixXd> llt(H);
  if (llt.info() != Eigen::Success)
    return Eigen::MatrixXd::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
  return llt.solve(Eigen::MatrixXd::Identity(k, k));
}

}  // namespace detail

namespace {

// Shared by the predictors: eta = X coef + intercept for a block of rows into
// a per-thread buffer, then emit(first_row, eta_block) writes the output. A
// non-finite eta can only come from a NaN or infinite value in X (coef is
// finite), so checking eta checks X for free; the first bad row is reported
// after the threads have joined.
template <class Emit>
void predict_rows(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, int n_threads, Emit emit) {
  require(coef.size() == X.cols(), "X has " + std::to_string(X.cols()) + " columns but the model has " +
                                       std::to_string(coef.size()) + " coefficients");
  require(coef.allFinite() && std::isfinite(intercept), "the coefficients are not finite");
  int threads = detail::choose_threads(X.rows(), X.cols(), n_threads);
  std::vector<Eigen::Index> bad(std::max(threads, 1), -1);
  detail::parallel_rows(X.rows(), threads, [&](int th, Eigen::Index begin, Eigen::Index end) {
    Eigen::VectorXd eta(detail::kBlock);
    for (Eigen::Index r = begin; r < end; r += detail::kBlock) {
      Eigen::Index len = std::min(detail::kBlock, end - r);
      auto seg = eta.head(len);
      seg.noalias() = X.middleRows(r, len) * coef;
      seg.array() += intercept;
      if (!seg.allFinite() && bad[th] < 0) {
        for (Eigen::Index i = 0; i < len; ++i)
          if (!std::isfinite(seg[i])) {
            bad[th] = r + i;
            break;
          }
      }
      emit(r, seg);
    }
  });
  for (Eigen::Index b : bad) {
    if (b < 0) continue;
    Eigen::Index j = 0;
    while (j + 1 < X.cols() && std::isfinite(X(b, j))) ++j;
    std::ostringstream msg;
    msg << "X has a missing or infinite value at row " << b << ", column " << j << " (" << X(b, j) << ")";
    throw InputError(msg.str());
  }
}

void check_out(ConstRowMatrixRef X, Eigen::Index out_size) {
  require(out_size == X.rows(), "output length does not match the rows of X");
}

}  // namespace

void linear_predictor(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out, int n_threads) {
  check_out(X, out.size());
  predict_rows(X, coef, intercept, n_threads,
               [&](Eigen::Index r, const auto& eta) { out.segment(r, eta.size()) = eta; });
}

void predict_logistic(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out, int n_threads) {
  check_out(X, out.size());
  // 1 / (1 + e^-eta): large |eta| gives exactly 0 or 1, never NaN.
  predict_rows(X, coef, intercept, n_threads, [&](Eigen::Index r, const auto& eta) {
    out.segment(r, eta.size()) = (1.0 + (-eta.array()).exp()).inverse().matrix();
  });
}

void predict_logistic_proba(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, RowMatrixRef out,
                            int n_threads) {
  require(out.rows() == X.rows() && out.cols() == 2, "output must have one row per row of X and 2 columns");
  predict_rows(X, coef, intercept, n_threads, [&](Eigen::Index r, const auto& eta) {
    Eigen::ArrayXd p = (1.0 + (-eta.array()).exp()).inverse();
    out.block(r, 0, eta.size(), 1) = (1.0 - p).matrix();
    out.block(r, 1, eta.size(), 1) = p.matrix();
  });
}

void predict_poisson(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out, int n_threads) {
  check_out(X, out.size());
  predict_rows(X, coef, intercept, n_threads,
               [&](Eigen::Index r, const auto& eta) { out.segment(r, eta.size()) = eta.array().exp().matrix(); });
}

}  // namespace earlyhelp::risk
