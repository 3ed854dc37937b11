// Bindings for forecast reconciliation: converts arrays and registers into
// earlyhelp._core.forecast.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/reconcile.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {

namespace {

using forecast::MatrixRef;
using forecast::RowMatrix;
using forecast::SparseRows;
using OptMatrix = std::optional<MatrixRef>;

py::tuple reconcile(const SparseRows& S, const MatrixRef& mean, const OptMatrix& sd, const std::string& method,
                    const OptMatrix& residuals, const OptMatrix& insample, const std::vector<int>& parent,
                    double ridge) {
  forecast::Reconciled out;
  double shrinkage = std::nan("");
  {
    py::gil_scoped_release release;
    forecast::SummingStructure s(S);
    const MatrixRef* sdp = sd ? &*sd : nullptr;
    if (method == "bottom_up") {
      out = forecast::bottom_up(s, mean, sdp);
    } else if (method == "top_down_forecast_proportions") {
      out = forecast::top_down(s, mean, sdp, forecast::forecast_proportions(s, parent, mean));
    } else if (method == "top_down_average_proportions" || method == "top_down_proportion_averages") {
      require(insample.has_value(), method + " needs in-sample values");
      const bool ratios = method == "top_down_average_proportions";
      out = forecast::top_down(s, mean, sdp, forecast::historical_proportions(s, *insample, ratios));
    } else if (method == "mint_ols" || method == "mint_wls_struct" || method == "mint_shrink") {
      forecast::check_forecasts(s, mean, sdp);
      forecast::LowRankCovariance W;
      if (method == "mint_ols") {
        W = forecast::identity_covariance(s.n_series());
      } else if (method == "mint_wls_struct") {
        W = forecast::structural_covariance(s);
      } else {
        require(residuals.has_value(), "mint_shrink needs in-sample residuals");
        require(residuals->rows() == s.n_series(), "in-sample residuals have " + std::to_string(residuals->rows()) +
                                                       " series but S has " + std::to_string(s.n_series()) + " rows");
        W = forecast::shrunk_covariance(*residuals, ridge);
        shrinkage = W.shrinkage;
      }
      forecast::MinTrace mint(s, std::move(W));
      out.mean = mint.project(mean);
      if (sdp != nullptr) out.sd = mint.reconciled_sd(*sdp);
    } else {
      throw InputError("unknown reconciliation method '" + method + "'");
    }
  }
  py::object sd_out = py::none();
  if (sd) sd_out = py::cast(std::move(out.sd));
  return py::make_tuple(py::cast(std::move(out.mean)), sd_out, shrinkage);
}

py::tuple shrunk_covariance(const MatrixRef& residuals, double ridge) {
  forecast::LowRankCovariance W;
  {
    py::gil_scoped_release release;
    W = forecast::shrunk_covariance(residuals, ridge);
  }
  return py::make_tuple(py::cast(std::move(W.diagonal)), py::cast(std::move(W.factor)), W.shrinkage);
}

}  // namespace

void register_reconcile(py::module_& m) {
  m.def("reconcile", &reconcile, py::arg("S"), py::arg("mean"), py::arg("sd") = py::none(),
        py::arg("method") = "mint_shrink", py::arg("residuals") = py::none(), py::arg("insample") = py::none(),
        py::arg("parent") = std::vector<int>{}, py::arg("ridge") = 2e-8,
        "Reconcile n x h forecasts on a sparse summing matrix S (n x m). Returns (mean, sd or None, "
        "shrinkage intensity or nan).");
  m.def("shrunk_covariance", &shrunk_covariance, py::arg("residuals"), py::arg("ridge") = 2e-8,
        "Schafer-Strimmer shrunk covariance of n x T residuals as (diagonal, factor, lambda): "
        "W = diag(diagonal) + factor factor'.");
}

}  // namespace earlyhelp::bindings
