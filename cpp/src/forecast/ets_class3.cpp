// Forecast means and variances of the ETS models with multiplicative error
// and season (Hyndman, Koehler, Ord and Snyder 2008, ch. 6, class 3; R's
// forecast:::class3). The level/growth vector times the seasonal row is the
// state matrix M; its mean and the covariance V of vec(M) are propagated
// exactly, step by step.
#include <Eigen/Dense>
#include <vector>

#include "earlyhelp/forecast/ets.hpp"

namespace earlyhelp::forecast::ets {

namespace {

Eigen::MatrixXd kron(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd out(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) out.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
  return out;
}

}  // namespace

Class3Forecast class3_forecast(double level, double growth, const std::vector<double>& seasons,
                               double alpha, double beta, double gamma, double phi, double sigma2, int h) {
  const bool trend = !std::isnan(growth);
  const Eigen::Index m = static_cast<Eigen::Index>(seasons.size()), q = trend ? 2 : 1;
  // level (and growth): measurement H1, transition F1, innovation G1 (phi = 1 undamped)
  Eigen::MatrixXd H1(1, q), F1(q, q), G1(q, q), x(q, 1);
  if (trend) {
    H1 << 1.0, phi;
    F1 << 1.0, phi, 0.0, phi;
    G1 << alpha, alpha * phi, beta, beta * phi;
    x << level, growth;
  } else {
    H1 << 1.0;
    F1 << 1.0;
    G1 << alpha;
    x << level;
  }
  // seasons: the last is used next, each step rotates them and updates the new one
  Eigen::MatrixXd H2 = Eigen::MatrixXd::Zero(1, m), F2 = Eigen::MatrixXd::Zero(m, m),
                  G2 = Eigen::MatrixXd::Zero(m, m), s(1, m);
  H2(0, m - 1) = 1.0;
  F2(0, m - 1) = 1.0;
  for (Eigen::Index i = 1; i < m; ++i) F2(i, i - 1) = 1.0;
  G2(0, m - 1) = gamma;
  for (Eigen::Index j = 0; j < m; ++j) s(0, j) = seasons[static_cast<std::size_t>(j)];
  Eigen::MatrixXd M = x * s;
  const Eigen::Index d = q * m;
  Eigen::MatrixXd V = Eigen::MatrixXd::Zero(d, d);
  const Eigen::MatrixXd H21 = kron(H2, H1), F21 = kron(F2, F1), G21 = kron(G2, G1);
  const Eigen::MatrixXd K = kron(G2, F1) + kron(F2, G1);
  Class3Forecast out;
  out.mean.resize(static_cast<std::size_t>(h));
  out.variance.resize(static_cast<std::size_t>(h));
  for (int i = 0; i < h; ++i) {
    const double mu = (H1 * M * H2.transpose())(0, 0);
    out.mean[static_cast<std::size_t>(i)] = mu;
    out.variance[static_cast<std::size_t>(i)] =
        (1.0 + sigma2) * (H21 * V * H21.transpose())(0, 0) + sigma2 * mu * mu;
    const Eigen::Map<const Eigen::VectorXd> vecM(M.data(), d);  // column-major, as R's c()
    const Eigen::MatrixXd outer = vecM * vecM.transpose();
    V = F21 * V * F21.transpose() +
        sigma2 * (F21 * V * G21.transpose() + G21 * V * F21.transpose() +
                  K * (V + outer) * K.transpose() + sigma2 * G21 * (3.0 * V + 2.0 * outer) * G21.transpose());
    M = F1 * M * F2.transpose() + G1 * M * G2.transpose() * sigma2;
  }
  return out;
}

}  // namespace earlyhelp::forecast::ets
