// One entry point for every reconciliation method: picks the proportions or
// the covariance the method uses and applies it (cpp/src/forecast/reconcile*.cpp).
#include <string>
#include <utility>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/reconcile.hpp"

namespace earlyhelp::forecast {

namespace {

LowRankCovariance mint_covariance(const SummingStructure& s, ReconcileMethod method, const ReconcileInputs& in) {
  if (method == ReconcileMethod::mint_ols) return identity_covariance(s.n_series());
  if (method == ReconcileMethod::mint_wls_struct) return structural_covariance(s);
  require(in.residuals != nullptr, "mint_shrink needs in-sample residuals");
  require(in.residuals->rows() == s.n_series(), "in-sample residuals have " + std::to_string(in.residuals->rows()) +
                                                    " series but S has " + std::to_string(s.n_series()) + " rows");
  return shrunk_covariance(*in.residuals, in.ridge);
}

}  // namespace

Reconciled reconcile(const SummingStructure& s, const MatrixRef& mean, ReconcileMethod method,
                     const ReconcileInputs& in) {
  const bool is_mint = method == ReconcileMethod::mint_ols || method == ReconcileMethod::mint_wls_struct ||
                       method == ReconcileMethod::mint_shrink;
  // Bottom-up and top-down are not solutions of an optimisation a bound could join.
  require(is_mint || !in.nonnegative, "non-negative reconciliation needs a MinTrace method");
  switch (method) {
    case ReconcileMethod::bottom_up:
      return bottom_up(s, mean, in.sd);
    case ReconcileMethod::top_down_forecast_proportions:
      return top_down(s, mean, in.sd, forecast_proportions(s, in.parent, mean));
    case ReconcileMethod::top_down_average_proportions:
    case ReconcileMethod::top_down_proportion_averages: {
      const bool ratios = method == ReconcileMethod::top_down_average_proportions;
      require(in.insample != nullptr, std::string(ratios ? "top_down_average_proportions" : "top_down_proportion_averages") +
                                          " needs in-sample values");
      return top_down(s, mean, in.sd, historical_proportions(s, *in.insample, ratios));
    }
    case ReconcileMethod::mint_ols:
    case ReconcileMethod::mint_wls_struct:
    case ReconcileMethod::mint_shrink: {
      check_forecasts(s, mean, in.sd);
      LowRankCovariance W = mint_covariance(s, method, in);
      Reconciled out;
      if (method == ReconcileMethod::mint_shrink) out.shrinkage = W.shrinkage;
      MinTrace mint(s, std::move(W));
      out.mean = in.nonnegative ? mint.project_nonnegative(s, mean, out.held_at_zero) : mint.project(mean);
      if (in.sd != nullptr) out.sd = mint.reconciled_sd(*in.sd);
      return out;
    }
  }
  throw InputError("unknown reconciliation method " + std::to_string(static_cast<int>(method)));
}

}  // namespace earlyhelp::forecast
