// Summing structure, bottom-up and top-down reconciliation.
#include <algorithm>
#include <cmath>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/reconcile.hpp"

namespace earlyhelp::forecast {

SummingStructure::SummingStructure(SparseRows S) : S_(std::move(S)) {
  S_.prune(0.0);
  S_.makeCompressed();
  const int n = static_cast<int>(S_.rows());
  const int m = static_cast<int>(S_.cols());
  require(m >= 1 && n >= m, "S must have at least one bottom column and at least as many rows as columns, got " +
                                std::to_string(n) + " x " + std::to_string(m));
  bottom_rows_.assign(m, -1);
  std::vector<bool> is_bottom(n, false);
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(n);
  for (int r = 0; r < n; ++r) {
    int nnz = 0, col = -1;
    double value = 0.0;
    for (SparseRows::InnerIterator it(S_, r); it; ++it) {
      require(std::isfinite(it.value()), [&] { return "S row " + std::to_string(r) + " holds a value that is not finite"; });
      ++nnz;
      col = static_cast<int>(it.col());
      value = it.value();
      counts(r) += 1.0;
    }
    require(nnz > 0, "S row " + std::to_string(r) + " sums no bottom series (all zero)");
    if (nnz == 1 && value == 1.0) {  // the last unit row wins: bottoms usually come last
      if (bottom_rows_[col] >= 0) is_bottom[bottom_rows_[col]] = false;
      bottom_rows_[col] = r;
      is_bottom[r] = true;
    }
  }
  for (int j = 0; j < m; ++j)
    require(bottom_rows_[j] >= 0, "S column " + std::to_string(j) +
                                      " has no bottom row (a row with a single 1 in that column)");
  for (int r = 0; r < n; ++r)
    if (!is_bottom[r]) aggregate_rows_.push_back(r);
  counts.maxCoeff(&top_row_);

  // C = [aggregate rows of I] - S_agg mapped onto the bottom rows.
  std::vector<Eigen::Triplet<double>> triplets;
  for (int k = 0; k < n_aggregate(); ++k) {
    const int r = aggregate_rows_[k];
    triplets.emplace_back(k, r, 1.0);
    for (SparseRows::InnerIterator it(S_, r); it; ++it)
      triplets.emplace_back(k, bottom_rows_[it.col()], -it.value());
  }
  C_.resize(n_aggregate(), n);
  C_.setFromTriplets(triplets.begin(), triplets.end());
  C_.makeCompressed();
}

Eigen::VectorXd SummingStructure::row_sums() const {
  Eigen::VectorXd sums(n_series());
  for (int r = 0; r < n_series(); ++r) {
    double total = 0.0;
    for (SparseRows::InnerIterator it(S_, r); it; ++it) total += it.value();
    sums(r) = total;
  }
  return sums;
}

RowMatrix SummingStructure::bottom_block(const MatrixRef& values) const {
  RowMatrix out(n_bottom(), values.cols());
  for (int j = 0; j < n_bottom(); ++j) out.row(j) = values.row(bottom_rows_[j]);
  return out;
}

void check_forecasts(const SummingStructure& s, const MatrixRef& mean, const MatrixRef* sd) {
  require(mean.rows() == s.n_series(), "forecasts have " + std::to_string(mean.rows()) + " series but S has " +
                                           std::to_string(s.n_series()) + " rows");
  require(mean.cols() >= 1, "forecasts have no horizon columns");
  for (Eigen::Index i = 0; i < mean.rows(); ++i)
    for (Eigen::Index t = 0; t < mean.cols(); ++t)
      require(std::isfinite(mean(i, t)), [&] {
        return "forecast for series row " + std::to_string(i) + ", step " + std::to_string(t + 1) +
               " is not finite (NaN or inf)";
      });
  if (sd == nullptr) return;
  require(sd->rows() == mean.rows() && sd->cols() == mean.cols(),
          "standard deviations must have the same shape as the forecasts");
  for (Eigen::Index i = 0; i < sd->rows(); ++i)
    for (Eigen::Index t = 0; t < sd->cols(); ++t)
      require(std::isfinite((*sd)(i, t)) && (*sd)(i, t) >= 0.0, [&] {
        return "interval width for series row " + std::to_string(i) + ", step " + std::to_string(t + 1) +
               " is negative or not finite";
      });
}

Reconciled bottom_up(const SummingStructure& s, const MatrixRef& mean, const MatrixRef* sd) {
  check_forecasts(s, mean, sd);
  Reconciled out;
  out.mean = s.S() * s.bottom_block(mean);
  if (sd != nullptr) {
    SparseRows S2 = s.S().cwiseProduct(s.S());
    RowMatrix var_b = s.bottom_block(*sd).array().square().matrix();
    out.sd = (S2 * var_b).array().sqrt().matrix();
  }
  return out;
}

Reconciled top_down(const SummingStructure& s, const MatrixRef& mean, const MatrixRef* sd,
                    const RowMatrix& proportions) {
  check_forecasts(s, mean, sd);
  const Eigen::Index h = mean.cols();
  require(proportions.rows() == s.n_bottom() && (proportions.cols() == 1 || proportions.cols() == h),
          "top-down proportions must have one row per bottom series and 1 or h columns");
  require(proportions.allFinite(), "top-down proportions are not finite");
  RowMatrix share = proportions.cols() == 1 ? RowMatrix(proportions.replicate(1, h)) : proportions;
  RowMatrix coef = s.S() * share;  // n x h: every series is coef * top
  Reconciled out;
  const auto top = mean.row(s.top_row());
  out.mean = coef.array().rowwise() * top.array();
  if (sd != nullptr) out.sd = coef.array().abs().rowwise() * sd->row(s.top_row()).array();
  return out;
}

RowMatrix historical_proportions(const SummingStructure& s, const MatrixRef& insample, bool average_of_ratios) {
  require(insample.rows() == s.n_series(), "in-sample values have " + std::to_string(insample.rows()) +
                                               " series but S has " + std::to_string(s.n_series()) + " rows");
  require(insample.cols() >= 1, "top-down with historical proportions needs in-sample values");
  const int m = s.n_bottom();
  const auto top = insample.row(s.top_row());
  RowMatrix prop = RowMatrix::Zero(m, 1);
  if (average_of_ratios) {
    int used = 0;
    for (Eigen::Index t = 0; t < insample.cols(); ++t) {
      if (!std::isfinite(top(t)) || top(t) == 0.0) continue;  // a zero total has no proportions
      bool ok = true;
      for (int j = 0; j < m; ++j) ok = ok && std::isfinite(insample(s.bottom_rows()[j], t));
      if (!ok) continue;
      for (int j = 0; j < m; ++j) prop(j, 0) += insample(s.bottom_rows()[j], t) / top(t);
      ++used;
    }
    require(used > 0, "no in-sample period has a non-zero, complete total: proportions are undefined");
    prop /= static_cast<double>(used);
  } else {
    double total = 0.0;
    for (Eigen::Index t = 0; t < insample.cols(); ++t) total += top(t);
    require(std::isfinite(total) && total != 0.0, "the in-sample total is zero or not finite: proportions are undefined");
    for (int j = 0; j < m; ++j) prop(j, 0) = insample.row(s.bottom_rows()[j]).sum() / total;
  }
  return prop;
}

RowMatrix forecast_proportions(const SummingStructure& s, const std::vector<int>& parent, const MatrixRef& mean) {
  const int n = s.n_series();
  require(static_cast<int>(parent.size()) == n, "parent must give one entry per row of S");
  require(mean.rows() == n, "forecasts must have one row per row of S");
  const Eigen::VectorXd size = s.row_sums();
  std::vector<std::vector<int>> children(n);
  for (int i = 0; i < n; ++i) {
    if (i == s.top_row()) {
      require(parent[i] < 0, "the top series cannot have a parent");
      continue;
    }
    require(parent[i] >= 0 && parent[i] < n && parent[i] != i && size(parent[i]) >= size(i),
            "row " + std::to_string(i) + " has no valid parent: top-down needs a strict hierarchy");
    children[parent[i]].push_back(i);
  }
  std::vector<bool> is_bottom(n, false);
  for (int r : s.bottom_rows()) is_bottom[r] = true;
  for (int i = 0; i < n; ++i) {
    if (children[i].empty()) {
      require(is_bottom[i], "row " + std::to_string(i) + " is an aggregate with no children");
      continue;
    }
    double covered = 0.0;
    for (int c : children[i]) covered += size(c);
    require(std::abs(covered - size(i)) < 1e-9,
            "the children of row " + std::to_string(i) + " do not partition it: top-down needs a strict hierarchy");
  }
  // Breadth-first from the top, so each parent is split before its children.
  std::vector<int> order{s.top_row()};
  for (std::size_t k = 0; k < order.size(); ++k)
    for (int c : children[order[k]]) order.push_back(c);
  require(static_cast<int>(order.size()) == n, "parent links do not form one tree from the top series");
  const Eigen::Index h = mean.cols();
  RowMatrix share = RowMatrix::Zero(n, h);
  share.row(s.top_row()).setOnes();
  for (int p : order) {
    if (children[p].empty()) continue;
    for (Eigen::Index t = 0; t < h; ++t) {
      double base = 0.0;
      for (int c : children[p]) base += mean(c, t);
      for (int c : children[p])
        share(c, t) = std::abs(base) < 1e-8 ? share(p, t) / static_cast<double>(children[p].size())
                                            : share(p, t) * mean(c, t) / base;
    }
  }
  return s.bottom_block(share);
}

}  // namespace earlyhelp::forecast
