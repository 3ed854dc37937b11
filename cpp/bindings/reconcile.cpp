// Reconciliation in earlyhelp._core.forecast: the method enum and one call
// (the dispatch lives in cpp/src/forecast/reconcile_method.cpp).
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include <optional>

#include "earlyhelp/forecast/reconcile.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {

namespace {

using forecast::MatrixRef;
using OptMatrix = std::optional<MatrixRef>;

py::tuple reconcile(const forecast::SparseRows& S, const MatrixRef& mean, const OptMatrix& sd,
                    forecast::ReconcileMethod method, const OptMatrix& residuals, const OptMatrix& insample,
                    std::vector<int> parent, double ridge, bool nonnegative) {
  forecast::ReconcileInputs inputs;
  inputs.sd = sd ? &*sd : nullptr;
  inputs.residuals = residuals ? &*residuals : nullptr;
  inputs.insample = insample ? &*insample : nullptr;
  inputs.parent = std::move(parent);
  inputs.ridge = ridge;
  inputs.nonnegative = nonnegative;
  forecast::Reconciled out;
  {
    py::gil_scoped_release release;
    out = forecast::reconcile(forecast::SummingStructure(S), mean, method, inputs);
  }
  py::object sd_out = sd ? py::cast(std::move(out.sd)) : py::none();
  return py::make_tuple(py::cast(std::move(out.mean)), sd_out, out.shrinkage, out.held_at_zero);
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
  py::enum_<forecast::ReconcileMethod>(m, "ReconcileMethod", "Reconciliation methods (hierarchicalforecast's names).")
      .value("bottom_up", forecast::ReconcileMethod::bottom_up)
      .value("top_down_forecast_proportions", forecast::ReconcileMethod::top_down_forecast_proportions)
      .value("top_down_average_proportions", forecast::ReconcileMethod::top_down_average_proportions)
      .value("top_down_proportion_averages", forecast::ReconcileMethod::top_down_proportion_averages)
      .value("mint_ols", forecast::ReconcileMethod::mint_ols)
      .value("mint_wls_struct", forecast::ReconcileMethod::mint_wls_struct)
      .value("mint_shrink", forecast::ReconcileMethod::mint_shrink);
  m.def("reconcile", &reconcile, py::arg("S"), py::arg("mean"), py::arg("sd") = py::none(),
        py::arg("method") = forecast::ReconcileMethod::mint_shrink, py::arg("residuals") = py::none(),
        py::arg("insample") = py::none(), py::arg("parent") = std::vector<int>{}, py::arg("ridge") = 2e-8,
        py::arg("nonnegative") = false,
        "Reconcile n x h forecasts on a sparse summing matrix S (n x m). Returns (mean, sd or None, "
        "shrinkage intensity or nan, bottom (series, step) pairs held at 0 by nonnegative).");
  m.def("shrunk_covariance", &shrunk_covariance, py::arg("residuals"), py::arg("ridge") = 2e-8,
        "Schafer-Strimmer shrunk covariance of n x T residuals as (diagonal, factor, lambda): "
        "W = diag(diagonal) + factor factor'.");
}

}  // namespace earlyhelp::bindings
