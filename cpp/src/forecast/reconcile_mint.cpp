// MinTrace reconciliation and the Schafer-Strimmer shrunk covariance, kept as
// diagonal + low rank so that nothing n x n is formed.
#include <algorithm>
#include <cmath>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/reconcile.hpp"

namespace earlyhelp::forecast {

RowMatrix LowRankCovariance::dense() const {
  RowMatrix out = factor * factor.transpose();
  out.diagonal() += diagonal;
  return out;
}

Eigen::VectorXd LowRankCovariance::variances() const {
  Eigen::VectorXd v = diagonal;
  if (factor.cols() > 0) v += factor.rowwise().squaredNorm();
  return v;
}

LowRankCovariance identity_covariance(int n) {
  LowRankCovariance W;
  W.diagonal = Eigen::VectorXd::Ones(n);
  W.factor = RowMatrix(n, 0);
  return W;
}

LowRankCovariance structural_covariance(const SummingStructure& s) {
  LowRankCovariance W;
  W.diagonal = s.row_sums();
  W.factor = RowMatrix(s.n_series(), 0);
  return W;
}

LowRankCovariance shrunk_covariance(const MatrixRef& residuals, double ridge) {
  const Eigen::Index n = residuals.rows();
  const Eigen::Index T = residuals.cols();
  require(T >= 2, "mint_shrink needs at least 2 in-sample residual periods, got " + std::to_string(T));
  require(residuals.allFinite(), "in-sample residuals contain NaN or inf");
  require(ridge >= 0.0 && std::isfinite(ridge), "the shrinkage ridge must be finite and >= 0");
  const double eps = 2e-8;  // as hierarchicalforecast, so zero-variance series do not divide by zero
  const double Td = static_cast<double>(T);

  RowMatrix X = residuals.colwise() - residuals.rowwise().mean();
  const Eigen::VectorXd sumsq = X.rowwise().squaredNorm();
  // Standardised residuals, re-centred.
  RowMatrix Z(n, T);
  for (Eigen::Index i = 0; i < n; ++i) {
    Z.row(i) = X.row(i) / (std::sqrt(sumsq(i) / Td) + eps);
    Z.row(i).array() -= Z.row(i).mean();
  }
  // Sums over pairs i > j of wbar_ij^2 and of sum_t w_ijt^2, with w_ijt = Z_it Z_jt,
  // from T x T and length-T quantities (O(n T^2), never n x n).
  const Eigen::MatrixXd G = Z.transpose() * Z;
  const Eigen::VectorXd own = Z.rowwise().squaredNorm() / Td;  // wbar_ii
  const double sum_sq = 0.5 * (G.squaredNorm() / (Td * Td) - own.squaredNorm());
  const RowMatrix Z2 = Z.array().square().matrix();
  const double sum_w2 = 0.5 * (Z2.colwise().sum().squaredNorm() - Z2.squaredNorm());
  const double sum_var = sum_w2 - Td * sum_sq;
  const double lambda =
      std::clamp((sum_var / (Td * (Td - 1.0))) / (std::max(sum_sq, 0.0) + eps), 0.0, 1.0);
  const double keep = 1.0 - lambda;

  LowRankCovariance W;
  W.shrinkage = lambda;
  const Eigen::VectorXd var = sumsq / (Td - 1.0);
  W.diagonal = var.cwiseMax(ridge) - keep * var;
  W.factor = std::sqrt(keep / (Td - 1.0)) * X;
  return W;
}

MinTrace::MinTrace(const SummingStructure& s, LowRankCovariance W) : C_(s.constraints()), W_(std::move(W)) {
  const int n = s.n_series();
  require(W_.diagonal.size() == n && W_.factor.rows() == n, "the covariance W does not match S");
  require(W_.diagonal.allFinite() && W_.factor.allFinite() && W_.diagonal.minCoeff() >= 0.0,
          "the covariance W is not finite or has negative variances");
  if (C_.rows() == 0) return;  // nothing to reconcile
  // K = C W C' = C D C' + G' G with G = V' C': sparse products and an a x r x a one;
  // A = W C' is never formed (see apply_a).
  Ct_ = C_.transpose();
  G_ = (C_ * W_.factor).transpose();
  const SparseRows CD = C_ * W_.diagonal.asDiagonal();
  Eigen::MatrixXd K = Eigen::MatrixXd(CD * Ct_);
  if (G_.rows() > 0) K.noalias() += G_.transpose() * G_;
  K = 0.5 * (K + K.transpose());
  K_.compute(K);
  bool ok = K_.info() == Eigen::Success;
  if (ok) {
    const Eigen::VectorXd d = K_.matrixLLT().diagonal();
    ok = d.minCoeff() > 0.0 && (d.minCoeff() / d.maxCoeff()) > 1e-7;  // condition number < 1e14
  }
  require(ok,
          "the covariance W is singular on the hierarchy's constraints (C W C' is not positive definite): "
          "series with zero forecast-error variance; use a positive ridge or another method");
}

Eigen::MatrixXd MinTrace::apply_a(const Eigen::MatrixXd& x) const {
  Eigen::MatrixXd out = W_.diagonal.asDiagonal() * Eigen::MatrixXd(Ct_ * x);
  if (G_.rows() > 0) out.noalias() += W_.factor * (G_ * x);
  return out;
}

RowMatrix MinTrace::project(const MatrixRef& mean) const {
  require(mean.rows() == W_.diagonal.size(), "forecasts do not match S");
  RowMatrix out = mean;
  if (C_.rows() == 0) return out;
  const Eigen::MatrixXd z = C_ * mean;
  out.noalias() -= apply_a(K_.solve(z));
  return out;
}

RowMatrix MinTrace::reconciled_sd(const MatrixRef& sd) const {
  const Eigen::Index n = W_.diagonal.size();
  require(sd.rows() == n, "standard deviations do not match S");
  if (C_.rows() == 0) return sd;
  const Eigen::VectorXd w = W_.variances();
  const Eigen::VectorXd& d = W_.diagonal;
  const RowMatrix& V = W_.factor;
  const Eigen::Index r = V.cols();
  const Eigen::Index a = C_.rows();
  // With A = D C' + V G (sparse plus rank r) and K^-1 explicit (a x a), every quantity
  // below costs O(nnz(C) (nnz per column + r) + n r^2 + a^3) per horizon: no n x a product.
  const Eigen::MatrixXd Kinv = K_.solve(Eigen::MatrixXd::Identity(a, a));
  const Eigen::MatrixXd H = r > 0 ? Eigen::MatrixXd(G_ * Kinv) : Eigen::MatrixXd(0, a);   // r x a
  // diag(A B), B = K^-1 C: d_i c_i' K^-1 c_i + v_i' G K^-1 c_i
  Eigen::VectorXd ab(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    double ckc = 0.0, vhc = 0.0;
    for (SparseRows::InnerIterator k(Ct_, i); k; ++k) {
      for (SparseRows::InnerIterator l(Ct_, i); l; ++l) ckc += k.value() * l.value() * Kinv(k.col(), l.col());
      if (r > 0) vhc += k.value() * V.row(i).dot(H.col(k.col()).transpose());
    }
    ab(i) = d(i) * ckc + vhc;
  }
  RowMatrix out(n, sd.cols());
  Eigen::VectorXd e(n), scale(n);
  for (Eigen::Index t = 0; t < sd.cols(); ++t) {
    // Sigma_h = diag(sd) corr(W) diag(sd) = diag(e) + F F', F = diag(scale) V.
    for (Eigen::Index i = 0; i < n; ++i) {
      const double s = sd(i, t);
      scale(i) = w(i) > 0.0 ? s / std::sqrt(w(i)) : 0.0;
      e(i) = w(i) > 0.0 ? s * s * W_.diagonal(i) / w(i) : s * s;
    }
    // diag(M E M') with M = I - A B: e - 2 e.*diag(AB) + diag(A Q A'), Q = B E B'.
    const Eigen::MatrixXd CEC = Eigen::MatrixXd(C_ * e.asDiagonal() * Ct_);
    const Eigen::MatrixXd Q = Kinv * CEC * Kinv;
    Eigen::MatrixXd P, VR;
    if (r > 0) {
      P = Q * G_.transpose();                                        // a x r
      VR = V * (G_ * P);                                             // n x r
    }
    Eigen::VectorXd var(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      // (A Q A')_ii = d_i^2 c_i' Q c_i + 2 d_i c_i' P v_i + v_i' G Q G' v_i
      double cqc = 0.0, cpv = 0.0;
      for (SparseRows::InnerIterator k(Ct_, i); k; ++k) {
        for (SparseRows::InnerIterator l(Ct_, i); l; ++l) cqc += k.value() * l.value() * Q(k.col(), l.col());
        if (r > 0) cpv += k.value() * P.row(k.col()).dot(V.row(i));
      }
      const double vrv = r > 0 ? VR.row(i).dot(V.row(i)) : 0.0;
      var(i) = e(i) - 2.0 * e(i) * ab(i) + d(i) * d(i) * cqc + 2.0 * d(i) * cpv + vrv;
    }
    if (r > 0) {
      // rows of M F = F - A K^-1 C F
      const RowMatrix F = scale.asDiagonal() * V;
      const RowMatrix MF = F - RowMatrix(apply_a(Kinv * Eigen::MatrixXd(C_ * F)));
      var += MF.rowwise().squaredNorm();
    }
    out.col(t) = var.cwiseMax(0.0).cwiseSqrt();
  }
  return out;
}

}  // namespace earlyhelp::forecast
