// Bindings for earlyhelp._core.forecast: convert arrays, release the GIL,
// call the C++ models (cpp/src/forecast/).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/models.hpp"
#include "progress.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IndexArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

py::dict forecast_series(const std::string& kind, const DoubleArray& y, const IndexArray& indptr,
                         int h, const std::vector<double>& levels, int season_length,
                         const std::string& ets_model, int damped, double alpha_d, double alpha_p,
                         int n_sim, std::uint64_t seed, std::optional<DoubleArray> X,
                         std::optional<DoubleArray> X_future, std::optional<IndexArray> phase0,
                         int n_threads, py::object progress, bool fitted_values) {
  require(y.ndim() == 1 && indptr.ndim() == 1 && indptr.size() >= 1,
          "y must be 1-d and indptr 1-d with at least one entry");
  require(h >= 1, "forecast horizon h must be at least 1");
  const auto n_series = static_cast<std::size_t>(indptr.size() - 1);
  const auto* ptr = indptr.data();
  require(ptr[0] == 0 && ptr[n_series] == y.size(), "indptr must run from 0 to len(y)");
  std::size_t n_exog = 0;
  if (X) {
    require(X->ndim() == 2 && X->shape(0) == y.size(), "X must have one row per observation");
    n_exog = static_cast<std::size_t>(X->shape(1));
    require(X_future && X_future->ndim() == 2 &&
                X_future->shape(0) == static_cast<py::ssize_t>(n_series * h) &&
                X_future->shape(1) == static_cast<py::ssize_t>(n_exog),
            "X_future must have h rows per series and the columns of X");
  }
  if (phase0) require(phase0->size() == static_cast<py::ssize_t>(n_series), "phase0 needs one entry per series");
  std::vector<forecast::Series> series(n_series);
  for (std::size_t i = 0; i < n_series; ++i) {
    require(ptr[i + 1] > ptr[i], "every series needs at least one observation");
    auto& s = series[i];
    s.y = y.data() + ptr[i];
    s.n = static_cast<std::size_t>(ptr[i + 1] - ptr[i]);
    if (X) {
      s.X = X->data() + ptr[i] * n_exog;
      s.X_future = X_future->data() + i * h * n_exog;
      s.n_exog = n_exog;
    }
    s.phase0 = phase0 ? static_cast<int>(phase0->data()[i]) : 0;
  }
  forecast::ModelSpec spec;
  spec.kind = kind;
  spec.season_length = season_length;
  spec.ets_model = ets_model;
  spec.damped = damped;
  spec.alpha_d = alpha_d;
  spec.alpha_p = alpha_p;
  spec.n_sim = n_sim;
  spec.seed = seed;
  spec.fitted = fitted_values;
  std::vector<forecast::Forecast> out;
  {
    PythonProgress reporter(progress);
    py::gil_scoped_release release;
    out = forecast::forecast_many(series, spec, h, levels, n_threads, &reporter);
  }
  const auto L = static_cast<py::ssize_t>(levels.size());
  py::array_t<double> mean({static_cast<py::ssize_t>(n_series), static_cast<py::ssize_t>(h)});
  py::array_t<double> lo({static_cast<py::ssize_t>(n_series), L, static_cast<py::ssize_t>(h)});
  py::array_t<double> hi({static_cast<py::ssize_t>(n_series), L, static_cast<py::ssize_t>(h)});
  py::array_t<double> fitted(y.size());
  py::array_t<bool> fallback(static_cast<py::ssize_t>(n_series));
  py::array_t<double> loglik(static_cast<py::ssize_t>(n_series));
  py::array_t<double> aicc(static_cast<py::ssize_t>(n_series));
  py::array_t<double> params({static_cast<py::ssize_t>(n_series), static_cast<py::ssize_t>(4)});
  py::list method;
  double* m = mean.mutable_data();
  double* l = lo.mutable_data();
  double* u = hi.mutable_data();
  double* fit = fitted.mutable_data();
  bool* fb = fallback.mutable_data();
  for (std::size_t i = 0; i < n_series; ++i) {
    const auto& f = out[i];
    std::copy(f.mean.begin(), f.mean.end(), m + i * h);
    std::copy(f.lo.begin(), f.lo.end(), l + i * L * h);
    std::copy(f.hi.begin(), f.hi.end(), u + i * L * h);
    std::copy(f.fitted.begin(), f.fitted.end(), fit + ptr[i]);
    fb[i] = f.fallback;
    loglik.mutable_data()[i] = f.loglik;
    aicc.mutable_data()[i] = f.aicc;
    std::copy(f.params.begin(), f.params.end(), params.mutable_data() + 4 * i);
    method.append(f.method);
  }
  py::dict result;
  result["mean"] = mean;
  result["lo"] = lo;
  result["hi"] = hi;
  result["fitted"] = fitted;
  result["method"] = method;
  result["fallback"] = fallback;
  result["loglik"] = loglik;
  result["aicc"] = aicc;
  result["params"] = params;
  return result;
}

}  // namespace

void register_forecast(py::module_& m) {
  m.def("forecast_series", &forecast_series, py::arg("kind"), py::arg("y"), py::arg("indptr"),
        py::arg("h"), py::arg("levels"), py::arg("season_length") = 12,
        py::arg("ets_model") = "ZZZ", py::arg("damped") = -1, py::arg("alpha_d") = 0.1,
        py::arg("alpha_p") = 0.1, py::arg("n_sim") = 2000, py::arg("seed") = 0,
        py::arg("X") = py::none(), py::arg("X_future") = py::none(),
        py::arg("phase0") = py::none(), py::arg("n_threads") = 2,
        py::arg("progress") = py::none(), py::arg("fitted") = true,
        "Fit one model to many series (concatenated in y, split by indptr) and forecast h "
        "steps. Returns dict(mean (S, h), lo/hi (S, len(levels), h), fitted (len(y),), "
        "method list, fallback (S,), loglik (S,), aicc (S,), params (S, 4): alpha, beta, gamma, phi).");
}

}  // namespace earlyhelp::bindings
